import { readFileSync } from 'node:fs';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { addCompliancePacks } from '../../../src/infra/compliance/nag-packs.js';
import { DATABASE_NAME, DATABASE_PORT, MASTER_USERNAME } from '../../../src/shared/names.js';

/**
 * A small stand-in for the database stack: a VPC with isolated and public subnets, a KMS key,
 * the database, Lambda and Secrets Manager endpoint security groups, a credentials secret and a
 * PostgreSQL 15 instance encrypted with the key. The operations constructs are tested on it so
 * their tests do not depend on the main database construct.
 */
export interface OpsFixture {
  /** What the fixture was built with (the compliance run rebuilds a pristine copy). */
  readonly options: FixtureOptions;
  readonly app: App;
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly key: kms.Key;
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  readonly lambdaSecurityGroup: ec2.SecurityGroup;
  readonly endpointSecurityGroup: ec2.SecurityGroup;
  readonly credentialsSecret: secretsmanager.ISecret;
  readonly instance: rds.DatabaseInstance;
}

export interface FixtureOptions {
  /** @default - db.t3.micro */
  readonly instanceType?: ec2.InstanceType;
  /** @default rds.StorageType.GP3 */
  readonly storageType?: rds.StorageType;
}

/** The feature flags of cdk.json, which `cdk synth` passes to the app: tests synth with them too. */
const FEATURE_FLAGS = (
  JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export function createFixture(options: FixtureOptions = {}): OpsFixture {
  const app = new App({ autoSynth: false, context: FEATURE_FLAGS });
  const stack = new Stack(app, 'OpsFixture', { env: { region: 'us-east-1' } });

  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: [
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      {
        name: 'Public',
        subnetType: ec2.SubnetType.PUBLIC,
        cidrMask: 24,
        mapPublicIpOnLaunch: false,
      },
    ],
  });
  const key = new kms.Key(stack, 'Key', {
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const group = (id: string, description: string): ec2.SecurityGroup =>
    new ec2.SecurityGroup(stack, id, { vpc, description, allowAllOutbound: false });
  const databaseSecurityGroup = group('DatabaseSecurityGroup', 'fixture database');
  const lambdaSecurityGroup = group('LambdaSecurityGroup', 'fixture lambdas');
  const endpointSecurityGroup = group('EndpointSecurityGroup', 'fixture Secrets Manager endpoint');
  lambdaSecurityGroup.connections.allowTo(databaseSecurityGroup, ec2.Port.tcp(DATABASE_PORT));

  const secret = new rds.DatabaseSecret(stack, 'Credentials', {
    username: MASTER_USERNAME,
    encryptionKey: key,
  });
  const instance = new rds.DatabaseInstance(stack, 'Instance', {
    engine: rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.of('15', '15'),
    }),
    instanceType:
      options.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
    credentials: rds.Credentials.fromSecret(secret),
    databaseName: DATABASE_NAME,
    port: DATABASE_PORT,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [databaseSecurityGroup],
    storageType: options.storageType ?? rds.StorageType.GP3,
    allocatedStorage: 20,
    storageEncrypted: true,
    storageEncryptionKey: key,
    backupRetention: Duration.days(7),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  if (instance.secret === undefined) throw new Error('fixture: the instance has no secret');

  return {
    options,
    app,
    stack,
    vpc,
    key,
    databaseSecurityGroup,
    lambdaSecurityGroup,
    endpointSecurityGroup,
    credentialsSecret: instance.secret,
    instance,
  };
}

export interface Finding {
  readonly rule: string;
  readonly path: string;
}

const PACKS = () => [new AwsSolutionsChecks(), new NIST80053R5Checks(), new PCIDSS321Checks()];

/** Every finding of the three packs, as cdk-nag reports it before CDK applies acknowledgements. */
export function rawFindings(scope: IConstruct): Finding[] {
  return PACKS().flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        rule: `${pack.name}::${violation.ruleName}`,
        // cdk-nag always reports the construct path of a resource it walked to.
        path: resource.constructPath ?? '(unknown)',
      })),
    ),
  );
}

/**
 * Synthesizes the fixture with the three packs exactly as the real app runs them, and throws
 * on any finding the constructs under test neither fix nor acknowledge. The findings a pristine
 * copy of the fixture has on its own are acknowledged first (the reason says so: those
 * acknowledgements never leave the test). Every other finding fails the synth, including one
 * on a fixture resource that only the constructs under test caused (a rule they add to the
 * fixture's database security group, say).
 */
export function synthWithCompliance(fixture: OpsFixture): CloudAssembly {
  const pristine = createFixture(fixture.options);
  pristine.app.synth();
  const baseline = new Set(rawFindings(pristine.stack).map(key));

  // Aspects (such as the IMDSv2 launch template) run at synth: look at the finished tree.
  fixture.app.synth();
  const byPath = new Map(fixture.app.node.findAll().map((node) => [node.node.path, node]));
  for (const finding of rawFindings(fixture.stack)) {
    if (!baseline.has(key(finding))) continue;
    const target = byPath.get(finding.path);
    if (target === undefined) throw new Error(`fixture: no construct at ${finding.path}`);
    Validations.of(target).acknowledge({
      id: finding.rule,
      reason: 'Test fixture, not under test.',
    });
  }
  addCompliancePacks(fixture.app);
  return fixture.app.synth({ force: true });
}

const key = (finding: Finding): string => `${finding.rule} @ ${finding.path}`;

/** Findings on the constructs under test, acknowledged or not (for reports and tests). */
export function findingsUnder(fixture: OpsFixture, construct: IConstruct): Finding[] {
  fixture.app.synth();
  const prefix = `${construct.node.path}/`;
  return rawFindings(fixture.stack).filter((finding) => `${finding.path}/`.startsWith(prefix));
}
