import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CostEstimate } from '../../src/cli/cost/estimate.js';
import { loadPriceTable } from '../../src/cli/cost/price-table.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { Stage } from '../../src/shared/names.js';
import { synthesize } from '../infra/support/synth.js';
import { runCli } from './verify-fixture.js';

const P = loadPriceTable();
const HOURS = P.hoursPerMonth;
const scratch = mkdtempSync(path.join(tmpdir(), 'spendsense-cost-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeTemplate(name: string, template: unknown): string {
  const file = path.join(scratch, `${name}.template.json`);
  writeFileSync(file, JSON.stringify(template));
  return file;
}

async function estimate(stage: Stage, file: string): Promise<CostEstimate> {
  const { exitCode, stdout, stderr } = await runCli([
    'cost',
    '--stage',
    stage,
    '--template',
    file,
    '--json',
  ]);
  expect(stderr).toBe('');
  expect(exitCode).toBe(0);
  return JSON.parse(stdout) as CostEstimate;
}

/** Billable resources of a template by type, as the hand calculations below assume them. */
function billableInventory(cost: CostEstimate): Record<string, number> {
  const inventory: Record<string, number> = {};
  for (const id of new Set(cost.lines.map((line) => `${line.type} ${line.logicalId}`))) {
    const type = id.split(' ')[0] as string;
    inventory[type] = (inventory[type] ?? 0) + 1;
  }
  return inventory;
}

/** Lambda at the table's usage assumption: requests plus GB-seconds. */
const lambdaMonthly = (memoryMb: number, gbSecond: number): number =>
  (P.assumptions.lambdaInvocationsPerMonth / 1e6) * P.lambda.requestsPerMillion +
  P.assumptions.lambdaInvocationsPerMonth *
    P.assumptions.lambdaAverageDurationSeconds *
    (memoryMb / 1024) *
    gbSecond;

describe('the real stacks, synthesized from the infrastructure code', () => {
  const NO_ACCESS_HOST = 'dev without the access host';
  const files: Partial<Record<Stage | typeof NO_ACCESS_HOST, string>> = {};
  beforeAll(() => {
    const variants = [
      ['dev', 'dev', {}],
      ['prod', 'prod', {}],
      [NO_ACCESS_HOST, 'dev', { 'spendsense:dev:accessHost.enabled': 'false' }],
    ] as const;
    for (const [name, stage, context] of variants) {
      const synthesized = synthesize(stage, { context });
      try {
        files[name] = writeTemplate(name.replace(/ /g, '-'), synthesized.template.toJSON());
      } finally {
        synthesized.dispose();
      }
    }
  }, 240_000);

  // By hand from the price table. dev: one single-AZ db.t3.micro with 20 GB gp3 and Enhanced
  // Monitoring every 60 s, one key, two secrets, the Secrets Manager endpoint in one AZ, VPC
  // flow logs, six log groups of its own (postgresql, upgrade, probe, rotation, bootstrap and its
  // provider), the probe, the rotation and the bootstrap function (256 MB arm64 each), CDK's
  // default-security-group custom resource function and the bootstrap's Provider framework
  // function (128 MB x86 each), seven standard alarms (CPU, memory, storage, connections, read and
  // write latency, CPU credits) and their SNS topic (no standing charge).
  // prod: the same with Multi-AZ (instance and storage doubled), the endpoint in two AZs, and
  // RDS Proxy billed for db.t3.micro's 2 vCPUs (also the minimum), and no access host.
  // Dev's access host (on by default): a t4g.nano, its 8 GB gp3 root volume and its public IPv4
  // address.
  const common =
    P.kms.customerKeyMonthly +
    2 * P.secretsManager.secretMonthly +
    P.assumptions.flowLogIngestionGbPerMonth * P.cloudWatch.vendedLogsIngestionGb +
    6 * P.assumptions.logGroupIngestionGbPerMonth * P.cloudWatch.logsIngestionGb +
    P.assumptions.enhancedMonitoringGbPerMonthAt60s * P.cloudWatch.logsIngestionGb +
    3 * lambdaMonthly(256, P.lambda.gbSecondArm64) +
    2 * lambdaMonthly(128, P.lambda.gbSecondX86) +
    7 * P.cloudWatch.standardAlarmMetricMonthly +
    P.sns.topicMonthly;
  const devWithoutHost =
    HOURS * (P.rds.postgresInstanceHourly['db.t3.micro'] as number) +
    20 * (P.rds.storageGbMonthly.gp3 as number) +
    1 * HOURS * P.ec2.interfaceEndpointAzHourly +
    common;
  const expected = {
    dev:
      devWithoutHost +
      HOURS * (P.ec2.instanceHourly['t4g.nano'] as number) +
      8 * (P.ec2.ebsGbMonthly.gp3 as number) +
      HOURS * P.ec2.publicIpv4Hourly,
    prod:
      2 * HOURS * (P.rds.postgresInstanceHourly['db.t3.micro'] as number) +
      2 * 20 * (P.rds.storageGbMonthly.gp3 as number) +
      2 * HOURS * P.ec2.interfaceEndpointAzHourly +
      2 * HOURS * P.rds.proxyVcpuHourly +
      common,
    [NO_ACCESS_HOST]: devWithoutHost,
  };

  test('the hand calculation, in dollars, for the price table of 2026-11-25', () => {
    expect(P.date).toBe('2026-11-25');
    // 13.14 + 2.30 + 7.30 + 1.00 + 0.80 + 0.50 + 0.30 + 0.25 + 0.70 + ~0.02 (five functions)
    expect(expected[NO_ACCESS_HOST].toFixed(2)).toBe('26.31');
    // that + 3.066 (t4g.nano) + 0.64 (8 GB gp3) + 3.65 (public IPv4)
    expect(expected.dev.toFixed(2)).toBe('33.66');
    // 26.28 + 4.60 + 14.60 + 21.90 + 1.00 + 0.80 + 0.50 + 0.30 + 0.25 + 0.70 + ~0.02
    expect(expected.prod.toFixed(2)).toBe('70.95');
  });

  // What the hand calculation assumes each stack contains; a new billable resource fails here
  // first, with the inventory to update the calculation from.
  const devInventory = {
    'AWS::KMS::Key': 1,
    'AWS::SecretsManager::Secret': 2,
    'AWS::EC2::VPCEndpoint': 1,
    'AWS::EC2::FlowLog': 1,
    'AWS::Logs::LogGroup': 7,
    'AWS::RDS::DBInstance': 1,
    'AWS::Lambda::Function': 5,
    'AWS::CloudWatch::Alarm': 7,
    'AWS::SNS::Topic': 1,
  };
  test.each([
    ['dev', { ...devInventory, 'AWS::EC2::Instance': 1 }],
    ['prod', { ...devInventory, 'AWS::RDS::DBProxy': 1 }],
    [NO_ACCESS_HOST, devInventory],
  ] as const)('%s: the estimate matches the hand calculation', async (variant, inventory) => {
    const stage = variant === 'prod' ? 'prod' : 'dev';
    const cost = await estimate(stage, files[variant] as string);
    expect(billableInventory(cost)).toEqual(inventory);
    expect(cost.totalMonthlyUsd).toBeCloseTo(expected[variant], 9);
    expect(cost.unpriced).toEqual([]);
    expect(cost.estimate).toBe(true);
    expect(cost.priceTable).toMatchObject({ region: 'us-east-1', date: P.date });
  });

  test.each([
    ['dev', 'prod'],
    ['prod', 'dev'],
  ] as const)(
    '--stage %s with the %s template: a usage error naming both',
    async (stage, other) => {
      const file = files[other] as string;
      const { exitCode, stderr, stdout } = await runCli([
        'cost',
        '--stage',
        stage,
        '--template',
        file,
      ]);
      expect(exitCode).toBe(ExitCode.Usage);
      expect(stderr).toContain(
        `error: --template ${file} is the ${other} stage's template (SpendSense-Database-${other}), not ${stage}'s.`,
      );
      expect(stderr).toContain(`npx spendsense-db cost --stage ${other} --template ${file}`);
      expect(stdout).toBe('');
    },
  );

  test('dev in text: per-resource lines and the labelled total', async () => {
    const { exitCode, stdout } = await runCli([
      'cost',
      '--stage',
      'dev',
      '--template',
      files.dev as string,
    ]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(
      /AWS::RDS::DBInstance\s+db\.t3\.micro single-AZ: 730 h × \$0\.018\/h\s+\$13\.14/,
    );
    expect(stdout).toMatch(/AWS::EC2::VPCEndpoint\s+interface endpoint in 1 AZ: .*\s+\$7\.30/);
    expect(stdout).toContain(
      `ESTIMATED TOTAL: $${expected.dev.toFixed(2)} per month (us-east-1 on-demand prices of 2026-11-25)`,
    );
    expect(stdout).toMatch(/^Free \(\d+ resources, no charge of their own\): .*AWS::EC2::VPC ×1/m);
    expect(stdout).toContain('Assumptions:');
  });
});

describe('every billable type, on a handmade template', () => {
  const template = {
    Resources: {
      Proxy: { Type: 'AWS::RDS::DBProxy', Properties: { EngineFamily: 'POSTGRESQL' } },
      ProxyTargets: {
        Type: 'AWS::RDS::DBProxyTargetGroup',
        Properties: {
          DBProxyName: { Ref: 'Proxy' },
          DBInstanceIdentifiers: [{ Ref: 'Db' }],
          TargetGroupName: 'default',
        },
      },
      Db: {
        Type: 'AWS::RDS::DBInstance',
        Properties: {
          Engine: 'postgres',
          DBInstanceClass: 'db.t4g.micro',
          MultiAZ: 'true',
          StorageType: 'gp2',
          AllocatedStorage: '100',
          PubliclyAccessible: true,
          EnableCloudwatchLogsExports: ['postgresql'],
        },
      },
      BigDb: {
        Type: 'AWS::RDS::DBInstance',
        Properties: { Engine: 'postgres', DBInstanceClass: 'db.x2iedn.32xlarge' },
      },
      Nat: { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: { Ref: 'PublicSubnet' } } },
      NatAddress: { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } },
      PublicSubnet: {
        Type: 'AWS::EC2::Subnet',
        Properties: { MapPublicIpOnLaunch: true, CidrBlock: '10.0.0.0/24' },
      },
      Host: {
        Type: 'AWS::EC2::Instance',
        Properties: {
          InstanceType: 't4g.nano',
          SubnetId: { Ref: 'PublicSubnet' },
          BlockDeviceMappings: [
            { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8, VolumeType: 'gp3', Encrypted: true } },
          ],
        },
      },
      GatewayEndpoint: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: { ServiceName: 'com.amazonaws.us-east-1.s3' },
      },
      InterfaceEndpoint: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: { VpcEndpointType: 'Interface', SubnetIds: [{ Ref: 'A' }, { Ref: 'B' }] },
      },
      CpuAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { MetricName: 'CPUUtilization', Period: 300 },
      },
      FastAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { MetricName: 'DatabaseConnections', Period: 10 },
      },
      Composite: {
        Type: 'AWS::CloudWatch::CompositeAlarm',
        Properties: { AlarmRule: 'ALARM(CpuAlarm)' },
      },
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      Advanced: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Type: 'String', Tier: 'Advanced', Value: 'x' },
      },
      Standard: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'x' } },
      Warm: {
        Type: 'AWS::Lambda::Alias',
        Properties: { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } },
      },
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      Custom: { Type: 'Custom::VpcRestrictDefaultSG', Properties: {} },
    },
  };

  test('each priced as computed by hand; unknown and unpriceable ones listed, none dropped', async () => {
    const cost = await estimate('prod', writeTemplate('handmade', template));
    const byResource = (logicalId: string): number =>
      cost.lines
        .filter((line) => line.logicalId === logicalId)
        .reduce((sum, line) => sum + line.monthlyUsd, 0);

    const db =
      2 * HOURS * 0.016 + // db.t4g.micro, Multi-AZ
      2 * 100 * 0.115 + // gp2 100 GB, Multi-AZ
      HOURS * 0.005 + // its public IPv4 address
      0.1 * 0.5; // the postgresql export, no log group of the template receives it
    expect(byResource('Db')).toBeCloseTo(db, 9);
    expect(byResource('Proxy')).toBeCloseTo(2 * HOURS * 0.015, 9); // 2 vCPU (the minimum) × $0.015
    expect(byResource('Nat')).toBeCloseTo(HOURS * 0.045, 9);
    expect(byResource('NatAddress')).toBeCloseTo(HOURS * 0.005, 9);
    expect(byResource('Host')).toBeCloseTo(HOURS * 0.0042 + 8 * 0.08 + HOURS * 0.005, 9);
    expect(byResource('InterfaceEndpoint')).toBeCloseTo(2 * HOURS * 0.01, 9);
    expect(byResource('CpuAlarm')).toBeCloseTo(0.1, 9);
    expect(byResource('FastAlarm')).toBeCloseTo(0.3, 9);
    expect(byResource('Composite')).toBeCloseTo(0.5, 9);
    expect(byResource('Topic')).toBe(0);
    expect(byResource('Advanced')).toBeCloseTo(0.05, 9);
    const total =
      db +
      2 * HOURS * 0.015 +
      HOURS * 0.045 +
      HOURS * 0.005 +
      (HOURS * 0.0042 + 8 * 0.08 + HOURS * 0.005) +
      2 * HOURS * 0.01 +
      0.1 +
      0.3 +
      0.5 +
      0.05;
    expect(cost.totalMonthlyUsd).toBeCloseTo(total, 9);

    expect(cost.unpriced.map((item) => [item.logicalId, item.type])).toEqual([
      ['BigDb', 'AWS::RDS::DBInstance'],
      ['Warm', 'AWS::Lambda::Alias'],
      ['Queue', 'AWS::SQS::Queue'],
    ]);
    expect(cost.unpriced[0]?.reason).toBe(
      'instance class db.x2iedn.32xlarge is not in the price table',
    );
    expect(cost.free.map((item) => item.logicalId).sort()).toEqual(
      ['Custom', 'GatewayEndpoint', 'ProxyTargets', 'PublicSubnet', 'Standard'].sort(),
    );
    // Every resource lands somewhere.
    const listed = new Set([
      ...cost.lines.map((line) => line.logicalId),
      ...cost.unpriced.map((item) => item.logicalId),
      ...cost.free.map((item) => item.logicalId),
    ]);
    expect([...listed].sort()).toEqual(Object.keys(template.Resources).sort());
  });

  test('the text output lists unpriced resources and says the total leaves them out', async () => {
    const { stdout } = await runCli([
      'cost',
      '--stage',
      'prod',
      '--template',
      writeTemplate('handmade-text', template),
    ]);
    expect(stdout).toMatch(
      /ESTIMATED TOTAL: \$\d+\.\d{2} per month \(us-east-1 on-demand prices of 2026-11-25; excludes 3 unpriced item\(s\) below\)/,
    );
    expect(stdout).toContain('UNPRICED (3), not in the total:');
    expect(stdout).toContain('  Queue  AWS::SQS::Queue  not in the price table');
  });
});

describe('RDS Proxy', () => {
  const proxyFor = (instanceClass: string) => ({
    Resources: {
      Proxy: { Type: 'AWS::RDS::DBProxy', Properties: { EngineFamily: 'POSTGRESQL' } },
      ProxyTargets: {
        Type: 'AWS::RDS::DBProxyTargetGroup',
        Properties: { DBProxyName: { Ref: 'Proxy' }, DBInstanceIdentifiers: [{ Ref: 'Db' }] },
      },
      Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: instanceClass } },
    },
  });
  const proxyLine = (cost: CostEstimate) => cost.lines.find((line) => line.logicalId === 'Proxy');

  test("bills the target's vCPUs from the instance class table, priced or not", async () => {
    // db.m6g.4xlarge: 16 vCPUs; its hourly price is not in the table, its size is.
    const cost = await estimate('prod', writeTemplate('proxy-m6g', proxyFor('db.m6g.4xlarge')));
    expect(proxyLine(cost)?.monthlyUsd).toBeCloseTo(16 * HOURS * P.rds.proxyVcpuHourly, 9);
  });

  test('leaves a proxy unpriced when its target class is unknown', async () => {
    const cost = await estimate('prod', writeTemplate('proxy-unknown', proxyFor('db.q9.large')));
    expect(proxyLine(cost)).toBeUndefined();
    expect(cost.unpriced).toContainEqual(
      expect.objectContaining({
        logicalId: 'Proxy',
        reason: 'vCPUs of target Db (db.q9.large) unknown',
      }),
    );
  });
});

describe('no template to price', () => {
  test('a --template that does not exist: exit 70 naming the file', async () => {
    const missing = path.join(scratch, 'missing.template.json');
    const { exitCode, stderr } = await runCli(['cost', '--stage', 'dev', '--template', missing]);
    expect(exitCode).toBe(ExitCode.TemplateUnavailable);
    expect(stderr).toContain(`error: Cannot read the template ${missing}: ENOENT.`);
  });

  test('a --template that is not JSON: exit 70', async () => {
    const file = path.join(scratch, 'yaml.template');
    writeFileSync(file, 'Resources:\n  Key:\n    Type: AWS::KMS::Key\n');
    const { exitCode, stderr } = await runCli(['cost', '--stage', 'dev', '--template', file]);
    expect(exitCode).toBe(ExitCode.TemplateUnavailable);
    expect(stderr).toContain('is not JSON (CDK templates are JSON; YAML is not supported)');
  });
});

describe('the price table cites where its figures come from', () => {
  test('each price group cites an AWS pricing page, and nothing else (no path of another repository)', () => {
    const sources = P.sources;
    expect(sources.length).toBeGreaterThanOrEqual(12);
    for (const source of sources) {
      expect(source.url).toMatch(
        /^https:\/\/aws\.amazon\.com\/[a-z0-9-]+(\/[a-z0-9-]+)*\/pricing\/([a-z-]+\/)?$/,
      );
    }
    const pages = sources.map((source) => new URL(source.url).pathname);
    for (const service of [
      '/rds/postgresql/',
      '/rds/proxy/',
      '/kms/',
      '/secrets-manager/',
      '/privatelink/',
      '/vpc/',
      '/ec2/',
      '/ebs/',
      '/cloudwatch/',
      '/lambda/',
      '/sns/',
      '/systems-manager/',
    ]) {
      expect(pages.filter((page) => page.startsWith(service))).toHaveLength(1);
    }
  });

  test('the estimate prints the sources as links', async () => {
    const template = writeTemplate('sources', { Resources: {} });
    const { stdout } = await runCli(['cost', '--stage', 'dev', '--template', template]);
    expect(stdout).toContain('Sources (AWS pricing pages):');
    expect(stdout).toContain(
      '  - RDS for PostgreSQL instances (single-AZ and Multi-AZ) and gp2/gp3 storage: https://aws.amazon.com/rds/postgresql/pricing/',
    );
    expect(stdout).not.toMatch(/architecture\.md|shared\/design/);
  });
});
