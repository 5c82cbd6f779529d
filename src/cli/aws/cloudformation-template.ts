import * as z from 'zod';

/**
 * The parts of a CloudFormation template the CLI reads: resources with their type, properties
 * and deletion policy. Values may be literals or intrinsic functions (`Ref`, `Fn::GetAtt`...);
 * the `literal…` helpers return `undefined` for anything only CloudFormation can resolve.
 */
const resourceSchema = z.looseObject({
  Type: z.string().min(1),
  Properties: z.record(z.string(), z.unknown()).optional(),
  DeletionPolicy: z.string().optional(),
  UpdateReplacePolicy: z.string().optional(),
});
const templateSchema = z.looseObject({
  Resources: z.record(z.string(), resourceSchema),
});

export type TemplateResource = z.infer<typeof resourceSchema>;
export type CloudFormationTemplate = z.infer<typeof templateSchema>;

/** Why a text is not a template we can read, in one line; no content is quoted. */
export class TemplateFormatError extends Error {
  override readonly name = 'TemplateFormatError';
}

export function parseTemplate(text: string): CloudFormationTemplate {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TemplateFormatError('not JSON (CDK templates are JSON; YAML is not supported)');
  }
  const result = templateSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TemplateFormatError(
      `not a CloudFormation template: ${issue?.path.join('.') || '(root)'}: ${issue?.code.replaceAll('_', ' ') ?? 'invalid'}`,
    );
  }
  return result.data;
}

/** Every resource of one type, as `[logicalId, resource]`, in template order. */
export function resourcesOfType(
  template: CloudFormationTemplate,
  type: string,
): [string, TemplateResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export function literalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A number, or a numeric string (CloudFormation accepts both for numeric properties). */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A boolean, or `"true"`/`"false"` (CDK writes both forms). */
export function literalBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

/**
 * A name as far as the template fixes it: a literal as is, an `Fn::Join` of literals and
 * deploy-time values with each value as `*` (`spendsense-dev-*` for the instance identifier
 * joined with its creation id); `undefined` for anything else.
 */
export function namePattern(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: unknown } | null)?.['Fn::Join'];
  if (!Array.isArray(join) || typeof join[0] !== 'string' || !Array.isArray(join[1])) {
    return undefined;
  }
  const [delimiter, parts] = join as [string, unknown[]];
  return parts.map((part) => (typeof part === 'string' ? part : '*')).join(delimiter);
}

/** The logical id a `{ Ref }` or `{ "Fn::GetAtt" }` points at, else `undefined`. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref;
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}
