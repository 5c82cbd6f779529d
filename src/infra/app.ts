import { App, type AppProps } from 'aws-cdk-lib';
import { STAGES, stackName, type Stage } from '../shared/names.js';
import { addCompliancePacks } from './compliance/nag-packs.js';
import { StageConfigError, loadStageConfigs } from './config/load-stage-configs.js';
import { resolveRegion } from './config/region.js';
import { availabilityZoneProblems } from './config/stage-config.js';
import { DatabaseStack } from './stack/database-stack.js';

const STRICT_VALIDATION = '@aws-cdk/core:strictCfnValidateErrors';

export interface DatabaseAppOptions {
  /** Passed to `App`: context, outdir. */
  readonly appProps?: AppProps;
  /** Where the region comes from. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The stages to build (tests build one at a time: each stack bundles the probe).
   * @default - every stage
   */
  readonly stages?: readonly Stage[];
}

/**
 * Builds the CDK app exactly as `cdk synth` does: configuration validated first (a
 * `StageConfigError` leaves nothing built), then one stack per stage, then the compliance packs.
 * The caller synthesizes.
 */
export function createDatabaseApp(options: DatabaseAppOptions = {}): {
  app: App;
  stacks: Partial<Record<Stage, DatabaseStack>>;
} {
  const app = new App({
    // Off: an app whose configuration failed must not write an empty assembly on exit.
    autoSynth: false,
    ...options.appProps,
    // In-process synths (tests, scripts) fail on warnings too, CloudFormation validation
    // included; the CDK CLI judges the report itself and fails on warnings with --strict.
    // Set after the CLI context so `-c` cannot switch it off.
    postCliContext: { ...options.appProps?.postCliContext, [STRICT_VALIDATION]: true },
  });
  const region = resolveRegion(options.env ?? process.env);
  const configs = loadStageConfigs(app.node.getAllContext());
  const zoneProblems = availabilityZoneProblems(configs, region);
  if (zoneProblems.length > 0) throw new StageConfigError(zoneProblems);

  const stacks: Partial<Record<Stage, DatabaseStack>> = {};
  for (const stage of options.stages ?? STAGES) {
    // Region only: the account is resolved at deploy time, so synth needs no credentials, and
    // the two AZs are the configured ones or the region's first two (Fn::GetAZs), never a lookup.
    stacks[stage] = new DatabaseStack(app, stackName(stage), {
      env: { region },
      config: configs[stage],
    });
  }
  addCompliancePacks(app);
  return { app, stacks };
}
