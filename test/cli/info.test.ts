import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { consoleLinks } from '../../src/cli/aws/console-links.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { EnvironmentInfo } from '../../src/cli/info/environment.js';
import {
  describedStack,
  idsFor,
  mocks,
  outputsFor,
  resetMocks,
  runCli,
  useFakeCredentials,
} from './verify-fixture.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'spendsense-info-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeEach(() => {
  useFakeCredentials();
  resetMocks();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function serveStack(
  stage: 'dev' | 'prod',
  region = 'us-east-1',
  extra: Record<string, string> = {},
): void {
  const outputs = { ...outputsFor(stage, region), ...extra };
  mocks.cloudFormation
    .on(DescribeStacksCommand, { StackName: `SpendSense-Database-${stage}` })
    .resolves({ Stacks: [describedStack(stage, outputs, region)] });
}

describe('info for a known set of outputs', () => {
  const ids = idsFor('dev');

  test('shows the schema version the last deploy left (text, JSON and the page)', async () => {
    serveStack('dev', 'us-east-1', { SchemaVersion: '20261203120000000_add_accounts' });
    const text = await runCli(['info', '--stage', 'dev']);
    expect(text.stdout).toMatch(
      /schema version\s+20261203120000000_add_accounts \(left by the last deploy\)/,
    );
    const json = await runCli(['info', '--stage', 'dev', '--json']);
    expect((JSON.parse(json.stdout) as EnvironmentInfo).schemaVersion).toBe(
      '20261203120000000_add_accounts',
    );
  });

  test('text: endpoint, secrets, groups, key, console links and commands', async () => {
    serveStack('dev');
    const { exitCode, stdout } = await runCli(['info', '--stage', 'dev']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain(
      'SpendSense dev database: SpendSense-Database-dev in us-east-1 (UPDATE_COMPLETE, updated 2026-11-24T16:03:10.087Z)',
    );
    expect(stdout).toMatch(new RegExp(`^  host\\s+${ids.endpoint}$`, 'm'));
    expect(stdout).toMatch(/^ {2}port\s+5432$/m);
    expect(stdout).toMatch(/^ {2}database\s+spendsense$/m);
    expect(stdout).toContain(`spendsense/dev/database/connection  ${ids.connectionArn}`);
    expect(stdout).toContain(`spendsense/dev/database/credentials  ${ids.credentialsArn}`);
    expect(stdout).toMatch(new RegExp(`^  database SG\\s+${ids.databaseGroup}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^  KMS key\\s+${ids.keyArn}$`, 'm'));
    expect(stdout).toContain(
      `https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#database:id=spendsense-dev;is-cluster=false`,
    );
    expect(stdout).toContain(
      `npx spendsense-db check --secret-id ${ids.connectionArn} --region us-east-1`,
    );
    expect(stdout).toContain(
      `aws secretsmanager get-secret-value --secret-id ${ids.connectionArn} --region us-east-1 --query SecretString --output text`,
    );
    expect(stdout).toContain('sslmode=verify-full sslrootcert=rds-global-bundle.pem');
    expect(stdout).toContain('https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem');
  });

  test('json: the same data, machine-readable', async () => {
    serveStack('dev');
    const { exitCode, stdout } = await runCli(['info', '--stage', 'dev', '--json']);
    expect(exitCode).toBe(0);
    const info = JSON.parse(stdout) as EnvironmentInfo;
    expect(info).toMatchObject({
      stage: 'dev',
      region: 'us-east-1',
      stack: { name: 'SpendSense-Database-dev', id: ids.stackId, status: 'UPDATE_COMPLETE' },
      endpoint: { address: ids.endpoint, port: 5432, database: 'spendsense' },
      masterUsername: 'spendsense_admin',
      instanceIdentifier: 'spendsense-dev',
      parameterGroupName: ids.parameterGroup,
      probeFunctionName: ids.probe,
      secrets: {
        credentials: { name: 'spendsense/dev/database/credentials', arn: ids.credentialsArn },
        connection: { name: 'spendsense/dev/database/connection', arn: ids.connectionArn },
      },
      securityGroups: { database: ids.databaseGroup, lambda: ids.lambdaGroup },
      kmsKeyArn: ids.keyArn,
      features: { proxyEndpoint: null, accessHostInstanceId: null, alarmTopicArn: ids.alarmTopic },
    });
    expect(info.consoleLinks.map((link) => link.label)).toEqual([
      'CloudFormation stack',
      'RDS instance',
      'Connection secret',
      'Credentials secret',
      'KMS key',
      'Database security group',
      'Lambda security group',
      'Probe function',
    ]);
    expect(info.consoleLinks[0]?.url).toBe(
      `https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/stackinfo?stackId=${encodeURIComponent(ids.stackId)}`,
    );
    expect(info.commands.map((command) => command.label)).toEqual([
      'Check the connection',
      'Verify the deployment',
      'Read the connection secret',
      'Open psql',
    ]);
  });

  test('markdown: writes the environment page where --output says, and says where', async () => {
    serveStack('dev');
    const file = path.join(scratch, 'environments', 'dev.md');
    const { exitCode, stdout, stderr } = await runCli([
      'info',
      '--stage',
      'dev',
      '--markdown',
      '--output',
      file,
    ]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`wrote ${path.relative(process.cwd(), file)}`);
    const page = readFileSync(file, 'utf8');
    expect(page).toMatch(
      /^<!-- Generated by `npx spendsense-db info --stage dev --markdown`\. Do not edit: regenerate\. -->/,
    );
    expect(page).toContain('# SpendSense dev database');
    expect(page).toContain(`| Host | \`${ids.endpoint}\` |`);
    expect(page).toContain('| Port | `5432` |');
    expect(page).toContain(`\`spendsense/dev/database/connection\` | \`${ids.connectionArn}\` |`);
    expect(page).toContain(`| Database security group | \`${ids.databaseGroup}\` |`);
    expect(page).toContain(
      '- [RDS instance](https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#database:id=spendsense-dev;is-cluster=false)',
    );
    expect(page).toContain(
      `\`\`\`sh\nnpx spendsense-db check --secret-id ${ids.connectionArn} --region us-east-1\n\`\`\``,
    );
  });

  test('markdown with --output - prints the page instead', async () => {
    serveStack('dev');
    const { exitCode, stdout } = await runCli([
      'info',
      '--stage',
      'dev',
      '--markdown',
      '--output',
      '-',
    ]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('## AWS console');
  });
});

test('console links follow the region', async () => {
  vi.stubEnv('AWS_REGION', 'eu-west-2');
  serveStack('prod', 'eu-west-2');
  const { stdout } = await runCli(['info', '--stage', 'prod', '--json']);
  const info = JSON.parse(stdout) as EnvironmentInfo;
  expect(info.region).toBe('eu-west-2');
  expect(info.consoleLinks).toHaveLength(8);
  for (const link of info.consoleLinks) {
    expect(link.url).toMatch(/^https:\/\/eu-west-2\.console\.aws\.amazon\.com\/.*region=eu-west-2/);
  }
  expect(consoleLinks('cn-north-1').dbInstance('x')).toMatch(/^https:\/\/console\.amazonaws\.cn\//);
  expect(consoleLinks('us-gov-west-1').secret('a/b')).toBe(
    'https://console.amazonaws-us-gov.com/secretsmanager/secret?name=a%2Fb&region=us-gov-west-1',
  );
});

test('feature outputs appear when the stage has them, with the tunnel command', async () => {
  serveStack('prod', 'us-east-1', {
    ProxyEndpoint: 'spendsense-prod-proxy.proxy-c9akciq32xyz.us-east-1.rds.amazonaws.com',
    AccessHostInstanceId: 'i-0123456789abcdef0',
  });
  const { stdout } = await runCli(['info', '--stage', 'prod']);
  expect(stdout).toMatch(/^ {2}RDS Proxy endpoint\s+spendsense-prod-proxy\.proxy-/m);
  expect(stdout).toMatch(/^ {2}access host\s+i-0123456789abcdef0$/m);
  expect(stdout).toContain('npx spendsense-db tunnel --stage prod --region us-east-1');
});

test('a stack without the documented outputs fails, naming them (exit 50)', async () => {
  const outputs = { ...outputsFor('dev'), EndpointAddress: undefined, KmsKeyArn: undefined };
  mocks.cloudFormation
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [describedStack('dev', outputs)] });
  const { exitCode, stderr } = await runCli(['info', '--stage', 'dev']);
  expect(exitCode).toBe(ExitCode.VerificationFailed);
  expect(stderr).toContain(
    'error: Stack SpendSense-Database-dev lacks the outputs EndpointAddress, KmsKeyArn.',
  );
});

test('--json and --markdown together are a usage error', async () => {
  const { exitCode, stderr } = await runCli(['info', '--stage', 'dev', '--json', '--markdown']);
  expect(exitCode).toBe(ExitCode.Usage);
  expect(stderr).toContain('--json and --markdown: choose one.');
});
