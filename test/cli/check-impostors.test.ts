import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import type { CheckReport } from '../../src/cli/check/report.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { clearConnectionVariables } from '../support/connection-variables.js';
import {
  bannerServer,
  httpServer,
  notTlsAfterSServer,
  passwordRequestServer,
  type FaultServer,
} from '../support/fault-servers.js';
import { runCli } from '../support/run-cli.js';

/** A password with characters that URL-encoding changes, so both forms can be looked for. */
const PASSWORD = 'Imp0ster pa$$/word:7';
const ENCODED = encodeURIComponent(PASSWORD);

const urlTo = (port: number): string =>
  `postgresql://spendsense_admin:${ENCODED}@127.0.0.1:${port}/spendsense`;

let scratch: string;
const servers: FaultServer[] = [];
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'spendsense-impostor-'));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await rm(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  clearConnectionVariables();
  return () => vi.unstubAllEnvs();
});

function expectNoSecret(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(ENCODED);
}

describe('a server that answers the SSLRequest with anything but S or N is not PostgreSQL', () => {
  test.each([
    [
      'an SSH server (its banner starts with S)',
      () => bannerServer('SSH-2.0-OpenSSH_9.2p1\r\n'),
      /"SSH-2\.0-OpenSSH_9\.2p1\\r\\n"/,
    ],
    ['a web server', () => httpServer(), /"HTTP\/1\.1 400 Bad Request/],
    [
      'a server that says S, then speaks no TLS',
      () => notTlsAfterSServer(),
      /answered S to the SSLRequest, then did not speak TLS/,
    ],
  ])(
    '%s: exit 23 at once, "not a PostgreSQL server", never a timeout',
    async (_name, start, evidence) => {
      const server = await start();
      servers.push(server);
      const run = await runCli(['check', '--url', urlTo(server.port), '--json']);
      expect(run.exitCode).toBe(ExitCode.TlsNotOffered);
      const report = JSON.parse(run.stdout) as CheckReport;
      expect(report.failure?.diagnosis).toMatch(/^This is not a PostgreSQL server: /);
      expect(report.failure?.diagnosis).toMatch(evidence);
      expect(report.failure?.diagnosis).not.toMatch(/within \d+ ms/);
      expect(report.stages.find((stage) => stage.stage === 'tls')?.status).toBe('failed');
      expectNoSecret(run.stdout + run.stderr);
    },
  );
});

describe('check --insecure never reveals the password to a server it has not verified', () => {
  test.each([
    ['cleartext', 'cleartext'],
    ['md5', 'an MD5 exchange'],
  ] as const)(
    'a %s password request is refused (55) and no password message is sent',
    async (request, wording) => {
      const server = await passwordRequestServer(request);
      servers.push(server);
      const run = await runCli(['check', '--url', urlTo(server.port), '--insecure', '--json']);
      expect(run.exitCode).toBe(ExitCode.PasswordRequestRefused);
      expect(run.stderr).toContain(`error: The server asked for the password in ${wording}`);
      expect(server.passwordMessages()).toBe(0);
      expectNoSecret(run.stdout + run.stderr);
    },
  );

  test('a SCRAM request is answered (the server does see password messages: the test is not vacuous)', async () => {
    const server = await passwordRequestServer('scram');
    servers.push(server);
    await runCli(['check', '--url', urlTo(server.port), '--insecure', '--json']);
    expect(server.passwordMessages()).toBe(1);
  });
});

describe("check's redaction of what servers send back", () => {
  test('a server error quoting the password, raw and URL-encoded, is printed masked', async () => {
    const server = await passwordRequestServer({
      error: `password authentication failed: got "${PASSWORD}" (as ${ENCODED}) in postgresql://spendsense_admin:${ENCODED}@db`,
    });
    servers.push(server);
    const ca = path.join(scratch, 'impostor-ca.pem');
    await writeFile(ca, server.caPem);
    for (const format of [['--json'], []]) {
      const run = await runCli(['check', '--url', urlTo(server.port), '--ca', ca, ...format]);
      expect(run.exitCode).toBe(ExitCode.ReadinessFailed);
      expect(run.stderr).toMatch(/password authentication failed: got "\*\*\*\*" \(as \*\*\*\*\)/);
      expectNoSecret(run.stdout + run.stderr);
    }
  });
});
