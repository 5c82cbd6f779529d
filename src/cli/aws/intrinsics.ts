/** The pseudo parameters a name in our templates may use, as far as they are known. */
export interface PseudoParameters {
  readonly region: string;
  readonly accountId?: string;
  readonly partition?: string;
  /** Known only for a stack that exists: a new stack's id is unknown until CloudFormation makes it. */
  readonly stackId?: string;
  readonly stackName?: string;
}

type Value = string | Value[];

/**
 * Evaluates the few intrinsic functions our templates build names with (`Ref` to a pseudo
 * parameter, `Fn::Join`, `Fn::Select`, `Fn::Split`) to the string CloudFormation would produce,
 * or `undefined` when it depends on something not known here (a resource, a new stack's id).
 */
export function resolveString(value: unknown, pseudo: PseudoParameters): string | undefined {
  const resolved = resolve(value, pseudo);
  return typeof resolved === 'string' ? resolved : undefined;
}

function resolve(value: unknown, pseudo: PseudoParameters): Value | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return all(value.map((item) => resolve(item, pseudo)));
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1) return undefined;
  const [[fn, args]] = entries as [[string, unknown]];
  switch (fn) {
    case 'Ref':
      return typeof args === 'string' ? pseudoParameter(args, pseudo) : undefined;
    case 'Fn::Join': {
      if (!Array.isArray(args) || typeof args[0] !== 'string') return undefined;
      const parts = resolve(args[1], pseudo);
      return Array.isArray(parts) && parts.every((part) => typeof part === 'string')
        ? parts.join(args[0])
        : undefined;
    }
    case 'Fn::Select': {
      if (!Array.isArray(args)) return undefined;
      const list = resolve(args[1], pseudo);
      const index = Number(args[0]);
      return Array.isArray(list) && Number.isInteger(index) ? list[index] : undefined;
    }
    case 'Fn::Split': {
      if (!Array.isArray(args) || typeof args[0] !== 'string') return undefined;
      const text = resolve(args[1], pseudo);
      return typeof text === 'string' ? text.split(args[0]) : undefined;
    }
    default:
      return undefined;
  }
}

function all(values: (Value | undefined)[]): Value[] | undefined {
  return values.every((value) => value !== undefined) ? (values as Value[]) : undefined;
}

function pseudoParameter(name: string, pseudo: PseudoParameters): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return pseudo.region;
    case 'AWS::AccountId':
      return pseudo.accountId;
    case 'AWS::Partition':
      return pseudo.partition ?? 'aws';
    case 'AWS::URLSuffix':
      return pseudo.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    case 'AWS::StackId':
      return pseudo.stackId;
    case 'AWS::StackName':
      return pseudo.stackName;
    default:
      return undefined;
  }
}
