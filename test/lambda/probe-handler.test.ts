import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { handler, type ProbeResult } from '../../src/lambda/probe/handler.js';
import { probeReportSchema } from '../../src/runtime/probe-report.js';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import { resetDatabase } from '../../src/runtime/index.js';
import { APP_USERNAME, DatabaseEnvironment as Env } from '../../src/shared/names.js';
import { migrate } from '../../src/runtime/migrations/runner.js';
import { refusingPort } from '../support/fault-servers.js';
import { expectedToken, TEST_CREDENTIALS } from '../support/iam-tokens.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

// Sets spendsense_app's password to IAM tokens: a server of its own.
let server: TestPostgres;
const T0 = new Date('2026-12-03T09:00:00Z');

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.destroy();
});

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(
    buildClientConfig(server, { extraCertificateAuthorities: [server.caPem] }),
  );
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The token the probe will sign (the clock is pinned), accepted as spendsense_app's password. */
async function acceptTheProbesToken(port = server.port): Promise<string> {
  const token = await expectedToken({ host: server.host, port, user: APP_USERNAME });
  await admin((client) =>
    client.query(`alter role ${APP_USERNAME} password ${client.escapeLiteral(token)}`),
  );
  return token;
}

/** The probe as Lambda runs it: configured only through its environment, as the stack sets it. */
async function invoke(): Promise<ProbeResult> {
  const result = await handler();
  // Lambda serialises the result: what leaves the function is this JSON, and it must be what
  // `spendsense-db verify` accepts.
  return probeReportSchema.parse(JSON.parse(JSON.stringify(result)));
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
  vi.stubEnv(Env.Host, server.host);
  vi.stubEnv(Env.Port, String(server.port));
  vi.stubEnv(Env.Name, server.database);
  vi.stubEnv(Env.User, APP_USERNAME);
  vi.stubEnv(Env.AuthMethod, 'iam');
  vi.stubEnv(Env.ExtraCaFile, server.caPath);
  // What Lambda gives a function: its role's credentials and its region, in the environment.
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', TEST_CREDENTIALS.sessionToken);
});

afterEach(async () => {
  await resetDatabase();
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('probe handler', () => {
  test('reports spendsense_app, not superuser, cannot create roles, TLS and the server version', async () => {
    await acceptTheProbesToken();

    const result = await invoke();

    expect(result).toEqual({
      ok: true,
      serverVersion: expect.stringMatching(/^15\.\d+/),
      serverMajor: 15,
      encrypted: true,
      tlsVersion: expect.stringMatching(/^TLSv1\.[23]$/),
      database: 'spendsense',
      user: APP_USERNAME,
      superuser: false,
      canCreateRoles: false,
      schemaVersion: 'none',
      connectMillis: expect.any(Number),
      queryMillis: expect.any(Number),
    });
  });

  test('reports the schema version it sees once migrations ran', async () => {
    await admin((client) =>
      migrate(client, {
        directory: path.join(import.meta.dirname, '../migrations/fixtures'),
        direction: 'up',
      }),
    );
    await acceptTheProbesToken();

    const result = await invoke();

    expect(result).toMatchObject({ ok: true, schemaVersion: '0002_add_entries' });
  });

  test('a second invocation reuses the connection', async () => {
    await acceptTheProbesToken();

    const cold = await invoke();
    const warm = await invoke();

    expect(cold.ok && warm.ok).toBe(true);
    expect(warm.connectMillis).toBeLessThan(cold.connectMillis);
  });

  test('a token the database refuses is DatabaseAuthenticationError 28P01, no token in the result', async () => {
    const accepted = await acceptTheProbesToken();
    await admin((client) => client.query(`alter role ${APP_USERNAME} password null`));
    const logged = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    const result = await invoke();
    const logLines = JSON.stringify(logged.mock.calls);
    logged.mockRestore();

    expect(result).toMatchObject({
      ok: false,
      failure: { errorClass: 'DatabaseAuthenticationError', code: '28P01' },
    });
    for (const secret of [
      accepted,
      TEST_CREDENTIALS.sessionToken,
      TEST_CREDENTIALS.secretAccessKey,
    ]) {
      expect(JSON.stringify(result)).not.toContain(secret);
      expect(logLines).not.toContain(secret);
    }
    expect(logLines).toContain('IAM authentication token rejected; signing a new one');
  });

  test('a port where nothing listens is DatabaseConnectionError "refused"', async () => {
    vi.stubEnv(Env.Port, String(await refusingPort()));
    const logged = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    const result = await invoke();

    expect(JSON.stringify(logged.mock.calls)).toContain('Connection attempt failed; retrying');
    logged.mockRestore();

    expect(result).toMatchObject({
      ok: false,
      failure: { errorClass: 'DatabaseConnectionError', category: 'refused', code: 'ECONNREFUSED' },
    });
  });

  test('without AWS credentials: CredentialsUnavailableError, nothing sent', async () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');

    const result = await invoke();

    expect(result).toMatchObject({
      ok: false,
      failure: { errorClass: 'CredentialsUnavailableError' },
    });
  });

  test('without the descriptor it reports the misconfiguration instead of throwing', async () => {
    vi.stubEnv(Env.Host, undefined);

    const result = await invoke();

    expect(result).toMatchObject({
      ok: false,
      failure: { errorClass: 'DatabaseConfigurationError' },
    });
    if (!result.ok) expect(result.failure.message).toContain(Env.Host);
  });
});
