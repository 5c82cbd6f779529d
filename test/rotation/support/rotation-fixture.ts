import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { addCompliancePacks } from '../../../src/infra/compliance/nag-packs.js';
import {
  DatabaseCredentialsRotation,
  type DatabaseCredentialsRotationProps,
} from '../../../src/infra/rotation/database-credentials-rotation.js';

/** The pieces of a database stack the rotation needs, built minimally, independent of ours. */
export interface FixtureParts {
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly key: kms.Key;
  readonly lambdaSecurityGroup: ec2.SecurityGroup;
  readonly instance: rds.DatabaseInstance;
  readonly credentialsSecret: secretsmanager.ISecret;
  readonly connectionSecret: secretsmanager.Secret;
  readonly endpoint: ec2.InterfaceVpcEndpoint;
}

export function fixtureParts(app: App): FixtureParts {
  const stack = new Stack(app, 'Fixture', { env: { region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    maxAzs: 2,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const lambdaSecurityGroup = new ec2.SecurityGroup(stack, 'LambdaSecurityGroup', {
    vpc,
    allowAllOutbound: false,
  });
  const credentials = new secretsmanager.Secret(stack, 'Credentials', {
    encryptionKey: key,
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ username: 'spendsense_admin' }),
      generateStringKey: 'password',
      excludePunctuation: true,
    },
  });
  const instance = new rds.DatabaseInstance(stack, 'Instance', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_15 }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    credentials: rds.Credentials.fromSecret(credentials),
  });
  if (instance.secret === undefined) throw new Error('the fixture instance has no secret');
  const connectionSecret = new secretsmanager.Secret(stack, 'Connection', { encryptionKey: key });
  const endpoint = new ec2.InterfaceVpcEndpoint(stack, 'SecretsManagerEndpoint', {
    vpc,
    service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    open: false,
  });
  return {
    stack,
    vpc,
    key,
    lambdaSecurityGroup,
    instance,
    credentialsSecret: instance.secret,
    connectionSecret,
    endpoint,
  };
}

export function rotationProps(parts: FixtureParts): DatabaseCredentialsRotationProps {
  return {
    credentialsSecret: parts.credentialsSecret,
    connectionSecret: parts.connectionSecret,
    encryptionKey: parts.key,
    instance: parts.instance,
    vpc: parts.vpc,
    securityGroup: parts.lambdaSecurityGroup,
    secretsManagerEndpoint: parts.endpoint,
    logGroupName: '/spendsense/test/database/rotation',
  };
}

export interface ValidationViolation {
  readonly pluginName: string;
  readonly ruleName: string;
  readonly constructPath: string;
  readonly acknowledgedAt?: string;
  readonly reason?: string;
}

export interface SynthesizedFixture {
  readonly parts: FixtureParts;
  readonly rotation: DatabaseCredentialsRotation;
  readonly template: Template;
  /** Findings still open after acknowledgements. */
  readonly violations: readonly ValidationViolation[];
  /** Acknowledged findings, with where and why. */
  readonly acknowledged: readonly ValidationViolation[];
  /** The bundled handler. */
  readonly bundle: string;
}

interface ReportViolation {
  readonly ruleName: string;
  readonly acknowledgedAt?: string;
  readonly reason?: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
}

interface Report {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly ReportViolation[];
    readonly suppressedViolations?: readonly ReportViolation[];
  }[];
}

/**
 * Synthesizes the fixture with the rotation and the three compliance packs, as the app does.
 * The fixture's own parts have findings of their own, so synth reports a failure; the report
 * is read from the cloud assembly instead.
 */
export function synthesizeFixture(
  customize: (props: DatabaseCredentialsRotationProps) => DatabaseCredentialsRotationProps = (p) =>
    p,
): SynthesizedFixture {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'spendsense-rotation-cdk-'));
  try {
    const app = new App({ outdir });
    addCompliancePacks(app);
    const parts = fixtureParts(app);
    const rotation = new DatabaseCredentialsRotation(
      parts.stack,
      'Rotation',
      customize(rotationProps(parts)),
    );
    try {
      app.synth();
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ValidationFailed')) throw error;
    }
    const template = Template.fromJSON(
      JSON.parse(readFileSync(path.join(outdir, 'Fixture.template.json'), 'utf8')) as Record<
        string,
        unknown
      >,
    );
    const report = JSON.parse(
      readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'),
    ) as Report;
    const flatten = (pluginName: string, list: readonly ReportViolation[] = []) =>
      list.flatMap((violation) =>
        violation.violatingConstructs.map((construct) => ({
          pluginName,
          ruleName: violation.ruleName,
          constructPath: construct.constructPath,
          ...(violation.acknowledgedAt !== undefined && {
            acknowledgedAt: violation.acknowledgedAt,
            reason: violation.reason,
          }),
        })),
      );
    const assetDir = readdirSync(outdir).find((name) => name.startsWith('asset.'));
    return {
      parts,
      rotation,
      template,
      violations: report.pluginReports.flatMap((plugin) =>
        flatten(plugin.pluginName, plugin.violations),
      ),
      acknowledged: report.pluginReports.flatMap((plugin) =>
        flatten(plugin.pluginName, plugin.suppressedViolations),
      ),
      bundle: readFileSync(path.join(outdir, assetDir ?? 'missing', 'index.mjs'), 'utf8'),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
