import type * as z from 'zod';
import { STAGES, isStage, type Stage } from '../../shared/names.js';
import {
  ALLOWED,
  stageConfigSchema,
  type StageConfig,
  type StageConfigField,
} from './stage-config.js';
import { STAGE_CONFIGS } from './stages.js';

const CONTEXT_PREFIX = 'spendsense:';

/**
 * Settings that existed once and are refused now, with what to do instead. Public access was
 * retired: switching it on moved the instance to other subnets, which RDS refuses for an
 * instance in use, and a finance database does not belong on the internet.
 */
const NEVER_PUBLIC =
  'retired: the database is never publicly accessible. Reach it from a laptop with `spendsense-db tunnel --stage <stage>` (SSM port forwarding through the access host: accessHost.enabled, on by default in dev; docs/operations.md)';
const RETIRED: Readonly<Record<string, string>> = {
  clientCidrs: NEVER_PUBLIC,
  publiclyAccessible: NEVER_PUBLIC,
};

/**
 * The CDK context key that overrides one field of one stage. A field inside an object is named
 * with dots: `spendsense:dev:accessHost.enabled`.
 */
export const contextKey = (stage: Stage, field: StageConfigField): string =>
  `${CONTEXT_PREFIX}${stage}:${field}`;

/** Every problem found in the stage configuration, one line each. */
export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';

  constructor(readonly problems: readonly string[]) {
    super(
      [
        'Invalid stage configuration; nothing was synthesized.',
        ...problems.map((problem) => `  - ${problem}`),
      ].join('\n'),
    );
  }
}

type Overrides = Partial<Record<Stage, Record<string, unknown>>>;

/**
 * Validates the configuration of every stage: the values of `stages.ts` with any
 * `spendsense:<stage>:<field>` CDK context overrides applied. Throws a {@link StageConfigError}
 * listing every problem, so one synth reports them all.
 */
export function loadStageConfigs(
  context: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<Stage, StageConfig>> = STAGE_CONFIGS,
): Record<Stage, StageConfig> {
  const problems: string[] = [];
  const { overrides, overridden } = readOverrides(context, defaults, problems);
  const configs: Partial<Record<Stage, StageConfig>> = {};
  for (const stage of STAGES) {
    const input: Record<string, unknown> = { ...defaults[stage], ...overrides[stage] };
    const result = stageConfigSchema.safeParse(input);
    if (result.success) configs[stage] = result.data;
    else {
      problems.push(
        ...result.error.issues.map((issue) => describe(stage, input, overridden[stage], issue)),
      );
    }
  }
  if (problems.length > 0) throw new StageConfigError(problems);
  return configs as Record<Stage, StageConfig>;
}

function readOverrides(
  context: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<Stage, StageConfig>>,
  problems: string[],
): { overrides: Overrides; overridden: Record<Stage, Set<string>> } {
  const overrides: Overrides = {};
  const overridden = Object.fromEntries(
    STAGES.map((stage) => [stage, new Set<string>()]),
  ) as Record<Stage, Set<string>>;
  const fields = Object.keys(ALLOWED).filter((field) => field !== 'stage');
  for (const [key, value] of Object.entries(context)) {
    if (!key.startsWith(CONTEXT_PREFIX)) continue;
    const [stage = '', field = '', ...rest] = key.slice(CONTEXT_PREFIX.length).split(':');
    const retired = RETIRED[field.split('.')[0] ?? ''];
    if (retired !== undefined && rest.length === 0) {
      problems.push(`context ${key}: ${retired}`);
      continue;
    }
    if (!isStage(stage) || !fields.includes(field) || rest.length > 0) {
      problems.push(
        `context ${key}: unknown key; allowed: ${CONTEXT_PREFIX}<${STAGES.join('|')}>:<field> with field one of ${fields.join(', ')}`,
      );
      continue;
    }
    const stageOverrides = (overrides[stage] ??= {});
    const coerced = coerce(value, valueAt(defaults[stage], field.split('.')));
    const [top = '', nested] = field.split('.');
    if (nested === undefined) stageOverrides[top] = coerced;
    else {
      // One nested field at a time: its siblings keep their values (or earlier overrides).
      const object = stageOverrides[top] ?? defaults[stage][top as keyof StageConfig];
      stageOverrides[top] = { ...(object as Record<string, unknown>), [nested]: coerced };
    }
    overridden[stage].add(field);
  }
  return { overrides, overridden };
}

/** The value at a path of object keys and array indexes; `undefined` when it leads nowhere. */
function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/**
 * `-c key=value` always arrives as a string: read it as the type the field has in `stages.ts`.
 * A string that does not convert is passed on unchanged, for the schema to reject by name.
 */
function coerce(value: unknown, like: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (typeof like === 'number' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (typeof like === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  if (Array.isArray(like)) {
    if (text.startsWith('[')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return value;
      }
    }
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  return value;
}

function describe(
  stage: Stage,
  input: Record<string, unknown>,
  overridden: ReadonlySet<string>,
  issue: z.core.$ZodIssue,
): string {
  // The path names the field (`rotation.days`), then, for a list, the item
  // (`alarms.emailAddresses[0]`).
  const firstIndex = issue.path.findIndex((segment) => typeof segment === 'number');
  const keys = (firstIndex === -1 ? issue.path : issue.path.slice(0, firstIndex)).map(String);
  const field = keys.join('.');
  if (issue.code === 'unrecognized_keys') {
    const retired = issue.keys.filter((key) => field === '' && RETIRED[key] !== undefined);
    if (retired.length > 0) return `${stage}.${retired.join(', ')}: ${RETIRED[retired[0] ?? '']}`;
    const unknown = issue.keys.map((key) => (field === '' ? key : `${field}.${key}`));
    return `${stage}: unknown field ${unknown.join(', ')}; allowed: ${Object.keys(ALLOWED).join(', ')}`;
  }
  const index = firstIndex === -1 ? undefined : Number(issue.path[firstIndex]);
  const value = valueAt(input, index === undefined ? keys : [...keys, index]);
  // Custom issues carry their own "allowed" text; built-in ones (wrong type, out of range) use
  // the field's.
  const allowed = issue.code === 'custom' ? issue.message : ALLOWED[field as StageConfigField];
  const source = overridden.has(field)
    ? ` (from context ${contextKey(stage, field as StageConfigField)})`
    : '';
  const where = index === undefined ? field : `${field}[${index}]`;
  return `${stage}.${where}: got ${show(value)}${source}; allowed: ${allowed}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
