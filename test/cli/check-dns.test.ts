import type * as dnsPromises from 'node:dns/promises';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { runCli } from '../support/run-cli.js';

// Tests reach only 127.0.0.1: name resolution is simulated, the way getaddrinfo fails.
vi.mock('node:dns/promises', async (importOriginal) => {
  const original = await importOriginal<typeof dnsPromises>();
  const lookup = vi.fn(async (host: string, options: object) => {
    if (host.endsWith('.invalid')) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: 'ENOTFOUND',
        hostname: host,
      });
    }
    return original.lookup(host, options as never);
  });
  return { ...original, default: { ...original, lookup }, lookup };
});

afterEach(() => vi.unstubAllEnvs());

describe('DNS stage', () => {
  test('a host name that does not resolve gives DnsFailure (20) and a hint', async () => {
    const password = 'DnsCasePassword8Kq2';
    const run = await runCli([
      'check',
      '--url',
      `postgresql://spendsense_admin:${password}@db.nowhere.invalid:5432/spendsense`,
      '--json',
    ]);
    expect(run.exitCode).toBe(ExitCode.DnsFailure);
    expect(run.stderr).toContain(
      'error: Host name db.nowhere.invalid does not resolve (ENOTFOUND).',
    );
    expect(run.stderr).toContain('rds.amazonaws.com');
    const report = JSON.parse(run.stdout) as { stages: { stage: string; status: string }[] };
    expect(report.stages.find((stage) => stage.stage === 'dns')?.status).toBe('failed');
    expect(run.stdout + run.stderr).not.toContain(password);
  });
});
