import {
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
} from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { VerifyReport } from '../../src/cli/verify/run-checks.js';
import {
  PASSWORD,
  compliantDeployment,
  idsFor,
  mocks,
  runCli,
  serve,
  useFakeCredentials,
  type Deployment,
} from './verify-fixture.js';

beforeEach(() => {
  useFakeCredentials();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const DAY = 24 * 60 * 60_000;

async function verify(deployment: Deployment) {
  serve(deployment);
  const run = await runCli(['verify', '--stage', deployment.stage, '--json']);
  const report = JSON.parse(run.stdout || 'null') as VerifyReport;
  const lineOf = (check: string) => report.results.find((outcome) => outcome.check === check);
  return { ...run, report, lineOf };
}

const credentials = (d: Deployment) => d.secrets[idsFor(d.stage).credentialsArn]!;
const versions = (d: Deployment) => d.secretVersions[idsFor(d.stage).credentialsArn]!;

describe('rotation health (AC4)', () => {
  test('passes a healthy rotation, with what it compared and never the value', async () => {
    const { exitCode, lineOf, stdout } = await verify(compliantDeployment('prod'));
    expect(exitCode).toBe(ExitCode.Ok);
    expect(lineOf('rotation health')).toMatchObject({
      result: 'pass',
      evidence: expect.stringMatching(
        /rotation enabled every 30 days, last rotated .*, no stuck AWSPENDING; the connection secret's password matches AWSCURRENT \(compared, not shown\)/,
      ),
    });
    expect(stdout).not.toContain(PASSWORD);
  });

  test('reads the credentials at AWSCURRENT and lists the versions of the credentials secret', async () => {
    await verify(compliantDeployment('dev'));
    const ids = idsFor('dev');
    expect(
      mocks.secretsManager
        .commandCalls(GetSecretValueCommand)
        .map((call) => call.args[0].input)
        .filter((input) => input.SecretId === ids.credentialsArn),
    ).toEqual([{ SecretId: ids.credentialsArn, VersionStage: 'AWSCURRENT' }]);
    expect(
      mocks.secretsManager.commandCalls(ListSecretVersionIdsCommand).map((c) => c.args[0].input),
    ).toEqual([{ SecretId: ids.credentialsArn }]);
  });

  const breakages: [string, RegExp, RegExp, (d: Deployment) => void][] = [
    [
      'rotation disabled',
      /rotation is not enabled on spendsense\/dev\/database\/credentials/,
      /rotate-secret/,
      (d) => void (credentials(d).RotationEnabled = false),
    ],
    [
      'last rotation beyond interval plus grace',
      /last rotated .* \(33 days ago\), beyond the 30-day interval plus 2 days/,
      /rotation log group \/spendsense\/dev\/database\/<creation id>\/rotation/,
      (d) => void (credentials(d).LastRotatedDate = new Date(Date.now() - 33 * DAY)),
    ],
    [
      'never rotated, an hour after creation',
      /was never rotated \(the first rotation runs at deploy\)/,
      /When a rotation fails/,
      (d) => {
        delete credentials(d).LastRotatedDate;
        credentials(d).CreatedDate = new Date(Date.now() - 60 * 60_000);
      },
    ],
    [
      'an AWSPENDING version left behind',
      /version 9d8c7b6a-.* has been AWSPENDING since .* without becoming AWSCURRENT/,
      /rotate-secret --secret-id spendsense\/dev\/database\/credentials/,
      (d) =>
        void versions(d).push({
          VersionId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
          VersionStages: ['AWSPENDING'],
          CreatedDate: new Date(Date.now() - 2 * DAY),
        }),
    ],
    [
      'the connection secret behind the credentials',
      /the connection secret's password differs from the credentials secret's AWSCURRENT password/,
      /each rotation rewrites the connection secret/,
      (d) => {
        const arn = idsFor('dev').credentialsArn;
        const secret = JSON.parse(d.secretValues[arn]!) as Record<string, unknown>;
        d.secretValues[arn] = JSON.stringify({ ...secret, password: `${PASSWORD}Rotated` });
      },
    ],
  ];
  test.each(breakages)(
    'fails on %s, with the fix, exit 50',
    async (_case, evidence, fix, breakIt) => {
      const deployment = compliantDeployment('dev');
      breakIt(deployment);
      const { exitCode, report, lineOf, stdout, stderr } = await verify(deployment);
      expect(exitCode).toBe(ExitCode.VerificationFailed);
      expect(report.results.filter((r) => r.result === 'fail').map((r) => r.check)).toEqual([
        'rotation health',
      ]);
      expect(lineOf('rotation health')?.evidence).toMatch(evidence);
      expect(lineOf('rotation health')?.fix).toMatch(fix);
      expect(stdout + stderr).not.toContain(PASSWORD);
    },
  );

  test('an AWSPENDING version a few minutes old is a rotation in progress: a warning', async () => {
    const deployment = compliantDeployment('prod');
    versions(deployment).push({
      VersionId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      VersionStages: ['AWSPENDING'],
      CreatedDate: new Date(Date.now() - 2 * 60_000),
    });
    const { exitCode, lineOf } = await verify(deployment);
    expect(exitCode).toBe(ExitCode.Ok);
    expect(lineOf('rotation health')).toMatchObject({
      result: 'warn',
      evidence: expect.stringMatching(/^a rotation is in progress \(version 1a2b3c4d-/),
      fix: 'Run verify again in a few minutes.',
    });
  });

  test('AWSPENDING on the AWSCURRENT version is a finished rotation, not a stuck one', async () => {
    const deployment = compliantDeployment('prod');
    versions(deployment)[0]!.VersionStages = ['AWSCURRENT', 'AWSPENDING'];
    const { lineOf } = await verify(deployment);
    expect(lineOf('rotation health')?.result).toBe('pass');
  });

  test('dev with rotation off by configuration passes on the password comparison alone', async () => {
    const deployment = compliantDeployment('dev');
    delete deployment.template.Resources.DatabaseRotationSchedule28B4F2D5;
    credentials(deployment).RotationEnabled = false;
    const { exitCode, lineOf } = await verify(deployment);
    expect(exitCode).toBe(ExitCode.Ok);
    expect(lineOf('rotation health')?.evidence).toMatch(/^rotation off by configuration \(dev\)/);
  });

  test('prod without a rotation schedule fails: prod requires rotation', async () => {
    const deployment = compliantDeployment('prod');
    delete deployment.template.Resources.DatabaseRotationSchedule28B4F2D5;
    const { exitCode, lineOf } = await verify(deployment);
    expect(exitCode).toBe(ExitCode.VerificationFailed);
    expect(lineOf('rotation health')?.evidence).toBe(
      'prod requires password rotation but the deployed template has no rotation schedule',
    );
  });
});

describe('alarm subscribers (OPS): a warning in dev, a failure in prod', () => {
  const noConfirmed = (d: Deployment) => {
    d.subscriptions = [
      {
        SubscriptionArn: 'PendingConfirmation',
        Owner: '123456789012',
        Protocol: 'email',
        Endpoint: 'dba.oncall@spendsense.example',
        TopicArn: idsFor(d.stage).alarmTopic,
      },
    ];
  };

  test("asks SNS for the subscriptions of the stack's alarm topic", async () => {
    await verify(compliantDeployment('dev'));
    expect(
      mocks.sns.commandCalls(ListSubscriptionsByTopicCommand).map((c) => c.args[0].input),
    ).toEqual([{ TopicArn: idsFor('dev').alarmTopic }]);
  });

  test('prod with only a pending subscription fails, exit 50, saying how to add one', async () => {
    const deployment = compliantDeployment('prod');
    noConfirmed(deployment);
    const { exitCode, lineOf, stdout, stderr } = await verify(deployment);
    expect(exitCode).toBe(ExitCode.VerificationFailed);
    expect(lineOf('alarm subscribers')).toMatchObject({
      criterion: 'OPS',
      result: 'fail',
      evidence: expect.stringMatching(
        /^no confirmed subscription on .*; 1 pending confirmation \(email ×1\): the link in AWS's email was not clicked: alarms notify nobody$/,
      ),
      fix: expect.stringContaining('aws sns subscribe --topic-arn'),
    });
    expect(stderr).toContain('Verification failed: OPS alarm subscribers.');
    // Endpoints are not evidence: only protocols and counts.
    expect(stdout).not.toContain('dba.oncall@spendsense.example');
  });

  test('dev with no subscription at all warns and still exits 0', async () => {
    const deployment = compliantDeployment('dev');
    deployment.subscriptions = [];
    const { exitCode, report, lineOf } = await verify(deployment);
    expect(exitCode).toBe(ExitCode.Ok);
    expect(lineOf('alarm subscribers')).toMatchObject({
      result: 'warn',
      fix: expect.stringContaining('alarms.emailAddresses'),
    });
    expect(report.summary).toEqual({ pass: 15, warn: 1, fail: 0, skip: 1 });
  });

  test('the table lists the fix under it', async () => {
    const deployment = compliantDeployment('dev');
    deployment.subscriptions = [];
    serve(deployment);
    const { stdout } = await runCli(['verify', '--stage', 'dev']);
    expect(stdout).toMatch(/^OPS\s+alarm subscribers\s+warn\s+no confirmed subscription/m);
    expect(stdout).toMatch(/^How to fix:\n {2}alarm subscribers \(warn\): Add an address/m);
    expect(stdout).toContain('verified: 15 passed, 1 warnings, 0 failed, 1 skipped');
  });
});
