import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The newest Node.js runtime Lambda offers (and cdk-nag's AwsSolutions-L1 expects). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * How every SpendSense function is bundled: by the local esbuild (no Docker), as ESM, minified,
 * with a source map.
 */
export const FUNCTION_BUNDLING: nodejs.BundlingOptions = {
  forceDockerBundling: false,
  format: nodejs.OutputFormat.ESM,
  mainFields: ['module', 'main'],
  // node-postgres and other CommonJS dependencies call require() for Node built-ins.
  banner:
    "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  // The runtime ships the AWS SDK v3; pg-native is an optional native addon pg never needs.
  externalModules: ['@aws-sdk/*', 'pg-native'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // esbuild's size summary at every synth is noise; its warnings and errors still show.
  logLevel: nodejs.LogLevel.WARNING,
};

export interface SpendSenseFunctionProps extends Omit<
  nodejs.NodejsFunctionProps,
  | 'entry'
  | 'handler'
  | 'runtime'
  | 'architecture'
  | 'bundling'
  | 'projectRoot'
  | 'depsLockFilePath'
  | 'logGroup'
> {
  /** The handler module (under `src/lambda/`); it exports `handler`. */
  readonly entry: string;

  /**
   * The function's log group, encrypted and with a retention (`encryptedLogGroup`). Required:
   * without one, Lambda would create a group of its own, unencrypted and kept forever, which
   * the template does not declare and the log retention check cannot see.
   */
  readonly logGroup: logs.ILogGroup;
}

/**
 * A SpendSense Lambda function: the newest Node.js runtime on arm64, bundled as above, stack
 * traces mapped to the TypeScript sources (`NODE_OPTIONS=--enable-source-maps`), and logging
 * to the given log group.
 */
export function createSpendSenseFunction(
  scope: Construct,
  id: string,
  props: SpendSenseFunctionProps,
): nodejs.NodejsFunction {
  return new nodejs.NodejsFunction(scope, id, {
    ...props,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
    runtime: FUNCTION_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: FUNCTION_BUNDLING,
  });
}
