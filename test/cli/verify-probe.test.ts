import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { VerifyReport } from '../../src/cli/verify/run-checks.js';
import type { ProbeSuccess } from '../../src/runtime/probe-report.js';
import {
  compliantDeployment,
  type Deployment,
  runCli,
  serve,
  useFakeCredentials,
} from './verify-fixture.js';

beforeEach(() => {
  useFakeCredentials();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function probeLine(deployment: Deployment) {
  serve(deployment);
  const run = await runCli(['verify', '--stage', deployment.stage, '--json']);
  const report = JSON.parse(run.stdout) as VerifyReport;
  return { exitCode: run.exitCode, line: report.results.find((r) => r.check === 'probe Lambda') };
}

/** A compliant deployment whose probe reports `changes` on top of a good report. */
function probeReporting(changes: Partial<Record<keyof ProbeSuccess, unknown>>): Deployment {
  const deployment = compliantDeployment('dev');
  const payload = { ...(deployment.probe.payload as ProbeSuccess), ...changes };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete (payload as Record<string, unknown>)[key];
  }
  return { ...deployment, probe: { payload } };
}

describe('AC3: the probe logs in like a SpendSense Lambda', () => {
  test('passes as spendsense_app, not superuser, unable to create roles, over TLS, on 15', async () => {
    const { line } = await probeLine(compliantDeployment('dev'));
    expect(line).toMatchObject({ criterion: 'AC3', result: 'pass' });
  });

  test.each<[string, Partial<Record<keyof ProbeSuccess, unknown>>, string]>([
    [
      'the master user',
      { user: 'spendsense_admin' },
      'logged in as spendsense_admin, expected spendsense_app',
    ],
    ['a superuser', { superuser: true }, 'spendsense_app is a superuser'],
    ['a role that can create roles', { canCreateRoles: true }, 'spendsense_app can create roles'],
    ['no TLS', { encrypted: false }, 'probe connection is not encrypted'],
    ['PostgreSQL 16', { serverMajor: 16, serverVersion: '16.4' }, 'server major 16, expected 15'],
    [
      'a probe deployed before the roles (no privileges reported)',
      { superuser: undefined, canCreateRoles: undefined },
      'the probe does not report its privileges (deployed before the roles existed): redeploy the stack',
    ],
  ])('fails for %s, saying which', async (_case, changes, evidence) => {
    const { exitCode, line } = await probeLine(probeReporting(changes));
    expect(exitCode).toBe(ExitCode.VerificationFailed);
    expect(line?.result).toBe('fail');
    expect(line?.evidence).toContain(evidence);
  });

  test('a user name that quotes a connection string is shown masked', async () => {
    const { line } = await probeLine(
      probeReporting({ user: 'postgresql://spendsense_admin:Sup3rS3cret99@db.example/spendsense' }),
    );
    expect(line?.evidence).toContain('postgresql://spendsense_admin:****@');
    expect(line?.evidence).not.toContain('Sup3rS3cret99');
  });
});
