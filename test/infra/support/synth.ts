import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createDatabaseApp } from '../../../src/infra/app.js';
import type { DatabaseStack } from '../../../src/infra/stack/database-stack.js';
import type { Stage } from '../../../src/shared/names.js';

export interface Synthesized {
  readonly stack: DatabaseStack;
  readonly template: Template;
  /** The cloud assembly directory (bundled probe, validation report). */
  readonly outdir: string;
  /** Deletes the cloud assembly. */
  readonly dispose: () => void;
}

export interface SynthOptions {
  /** CDK context, as `-c key=value` would pass it. */
  readonly context?: Record<string, unknown>;
  /**
   * Run CDK's built-in CloudFormation template validation as `cdk synth` does. It takes about
   * four seconds per stack, so only the compliance tests turn it on; cdk-nag runs in every synth.
   */
  readonly cloudFormationValidation?: boolean;
}

/**
 * Builds the app exactly as bin/app.ts does (configuration, stacks, compliance packs) with one
 * stage, and synthesizes it once: a finding cdk-nag does not accept makes this throw.
 */
export function synthesize(stage: Stage, options: SynthOptions = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), `spendsense-${stage}-`));
  const dispose = (): void => rmSync(outdir, { recursive: true, force: true });
  try {
    const { stacks } = createDatabaseApp({
      appProps: {
        outdir,
        context: options.context ?? {},
        builtinCloudFormationValidation: options.cloudFormationValidation ?? false,
      },
      env: {},
      stages: [stage],
    });
    const stack = stacks[stage];
    if (stack === undefined) throw new Error(`no stack was built for ${stage}`);
    return { stack, template: Template.fromStack(stack), outdir, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** The logical id of the only resource of a type matching the given properties. */
export function logicalIdOf(template: Template, type: string, props: object = {}): string {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0] as string;
}

/** The dev app as bin/app.ts builds it, without bundling: for tests that change it, then synth. */
export function unbundledDevApp(): ReturnType<typeof createDatabaseApp> {
  return createDatabaseApp({
    appProps: {
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    },
    env: {},
    stages: ['dev'],
  });
}

/** Why synthesizing `app` fails; throws when it does not. */
export function synthFailure(app: ReturnType<typeof createDatabaseApp>['app']): string {
  try {
    app.synth();
  } catch (error) {
    return String(error);
  }
  throw new Error('expected the synth to fail');
}
