import { DEFAULT_DEPLOY_REGION } from '../../shared/names.js';
import { isSupportedRegion, SUPPORTED_REGIONS } from '../../shared/regions.js';
import { StageConfigError } from './load-stage-configs.js';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The region both stacks target: `CDK_DEFAULT_REGION` (set by the CDK CLI from the profile),
 * then `AWS_REGION`, then us-east-1. The account is left to deploy time, so synth needs no
 * credentials. Only a region whose RDS certificate authority the runtime ships is accepted.
 */
export function resolveRegion(env: Readonly<Record<string, string | undefined>>): string {
  const [source, region] = pickFirst(env, ['CDK_DEFAULT_REGION', 'AWS_REGION']) ?? [
    'default',
    DEFAULT_DEPLOY_REGION,
  ];
  if (!REGION.test(region)) {
    throw new StageConfigError([
      `region: got ${JSON.stringify(region)} (from ${source}); allowed: an AWS region name such as us-east-1 or eu-west-2`,
    ]);
  }
  if (!isSupportedRegion(region)) {
    throw new StageConfigError([
      `region: got ${JSON.stringify(region)} (from ${source}); allowed: one of ${SUPPORTED_REGIONS.join(', ')} (the regions whose RDS certificate authority SpendSense clients ship, so they can verify the database's certificate)`,
    ]);
  }
  return region;
}

function pickFirst(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): [string, string] | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    // An empty variable is the same as an unset one: '' is never a region.
    if (value !== undefined && value !== '') return [name, value];
  }
  return undefined;
}
