import * as z from 'zod';
import { STAGES, type Stage } from '../../shared/names.js';
import { CliError, ExitCode } from '../exit-codes.js';

/** Region names as AWS spells them: `us-east-1`, `eu-west-2`, `ap-southeast-3`, `us-gov-west-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
export const REGION_ALLOWED = 'an AWS region name such as us-east-1 or eu-west-2';

const ALLOWED = {
  stage: `one of ${STAGES.join(', ')}`,
  region: REGION_ALLOWED,
  profile: 'a profile name from ~/.aws/config or ~/.aws/credentials',
} as const;

const EXAMPLES = {
  stage: `For example --stage ${STAGES[0]}.`,
  region: 'For example --region us-east-1 (the region the stack was deployed to).',
  profile: 'Name a profile that `aws configure list-profiles` shows, or leave out --profile.',
} as const;

const stackOptionsSchema = z.object({
  stage: z.enum(STAGES),
  region: z.string().regex(REGION_PATTERN).optional(),
  profile: z.string().trim().min(1).optional(),
});

/** The flags every command that reads a deployed stage shares. */
export interface StackOptions {
  readonly stage: Stage;
  /** @default - the AWS SDK's resolution: `AWS_REGION`, then the profile's `region` */
  readonly region?: string;
  /** @default - `AWS_PROFILE`, then the `default` profile */
  readonly profile?: string;
}

/**
 * Validates `--stage`, `--region` and `--profile` (declared by `addStackOptions`) at the edge. A bad value fails with the flag,
 * the value and what is allowed; a malformed region is reported as a wrong region (exit 54).
 */
export function parseStackOptions(raw: {
  readonly stage?: unknown;
  readonly region?: unknown;
  readonly profile?: unknown;
}): StackOptions {
  const result = stackOptionsSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? 'stage') as keyof typeof ALLOWED;
  const value = raw[field];
  throw new CliError(
    `--${field}: got ${value === undefined ? 'nothing' : JSON.stringify(value)}; allowed: ${ALLOWED[field]}`,
    field === 'region' ? ExitCode.WrongRegion : ExitCode.Usage,
    EXAMPLES[field],
  );
}

/** Parses `--stage` alone, for commands that work offline (`cost`). */
export function parseStage(raw: unknown): Stage {
  return parseStackOptions({ stage: raw }).stage;
}
