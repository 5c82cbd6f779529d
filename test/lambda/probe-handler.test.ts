import { randomBytes } from 'node:crypto';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, test, vi } from 'vitest';
import { handler, type ProbeResult } from '../../src/lambda/probe/handler.js';
import { probeReportSchema } from '../../src/runtime/probe-report.js';
import { EXTRA_CA_FILE_ENV, resetDatabase } from '../../src/runtime/index.js';
import { CONNECTION_SECRET_ENV } from '../../src/shared/names.js';
import { refusingPort } from '../support/fault-servers.js';

const server = inject('postgres');
const SECRET_NAME = 'spendsense/dev/database/connection';
const secretsManager = mockClient(SecretsManagerClient);

function respondWith(overrides: { password?: string; port?: number } = {}): void {
  const password = overrides.password ?? server.password;
  const port = overrides.port ?? server.port;
  secretsManager.on(GetSecretValueCommand).resolves({
    ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_NAME}-AbCdEf`,
    Name: SECRET_NAME,
    VersionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    SecretString: JSON.stringify({
      url: `postgresql://${server.user}:${password}@${server.host}:${port}/${server.database}`,
      engine: 'postgres',
      host: server.host,
      port,
      dbname: server.database,
      username: server.user,
      password,
    }),
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2025-11-03T10:00:00Z'),
  });
}

/** The probe as Lambda runs it: configured only through its environment. */
async function invoke(): Promise<ProbeResult> {
  const result = await handler();
  // Lambda serialises the result: what leaves the function is this JSON, and it must be what
  // `spendsense-db verify` accepts.
  return probeReportSchema.parse(JSON.parse(JSON.stringify(result)));
}

beforeEach(() => {
  secretsManager.reset();
  process.env[CONNECTION_SECRET_ENV] = SECRET_NAME;
  process.env[EXTRA_CA_FILE_ENV] = server.caPath;
});

afterEach(async () => {
  await resetDatabase();
  delete process.env[CONNECTION_SECRET_ENV];
  delete process.env[EXTRA_CA_FILE_ENV];
});

describe('probe handler', () => {
  test('reports server 15, an encrypted connection, database, user and latencies', async () => {
    respondWith();

    const result = await invoke();

    expect(result).toEqual({
      ok: true,
      serverVersion: expect.stringMatching(/^15\.\d+/),
      serverMajor: 15,
      encrypted: true,
      database: 'spendsense',
      user: 'spendsense_admin',
      connectMillis: expect.any(Number),
      queryMillis: expect.any(Number),
    });
    if (result.ok) {
      expect(result.connectMillis).toBeGreaterThan(0);
      expect(result.queryMillis).toBeGreaterThan(0);
    }
  });

  test('a second invocation reuses the connection and the secret', async () => {
    respondWith();

    const cold = await invoke();
    const warm = await invoke();

    expect(cold.ok && warm.ok).toBe(true);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(warm.connectMillis).toBeLessThan(cold.connectMillis);
  });

  test('a missing secret is a failure result naming the class and category', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        $metadata: { httpStatusCode: 400 },
        message: "Secrets Manager can't find the specified secret.",
      }),
    );

    const result = await invoke();

    expect(result).toMatchObject({
      ok: false,
      failure: { errorClass: 'SecretUnavailableError', category: 'not-found' },
    });
  });

  test('a wrong password is DatabaseAuthenticationError 28P01, the password nowhere in the result', async () => {
    const wrong = `Wrong${randomBytes(12).toString('hex')}`;
    respondWith({ password: wrong });
    const logged = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    const result = await invoke();
    const logLines = JSON.stringify(logged.mock.calls);
    logged.mockRestore();

    expect(result).toMatchObject({
      ok: false,
      failure: { errorClass: 'DatabaseAuthenticationError', code: '28P01' },
    });
    expect(JSON.stringify(result)).not.toContain(wrong);
    expect(logLines).toContain('Password rejected');
    expect(logLines).not.toContain(wrong);
  });

  test('a port where nothing listens is DatabaseConnectionError "refused"', async () => {
    respondWith({ port: await refusingPort() });

    const result = await invoke();

    expect(result).toMatchObject({
      ok: false,
      failure: { errorClass: 'DatabaseConnectionError', category: 'refused', code: 'ECONNREFUSED' },
    });
    expect(JSON.stringify(result)).not.toContain(server.password);
  });

  test('without the secret variable it reports the misconfiguration instead of throwing', async () => {
    delete process.env[CONNECTION_SECRET_ENV];

    const result = await invoke();

    expect(result).toMatchObject({
      ok: false,
      failure: { errorClass: 'DatabaseConfigurationError' },
    });
    if (!result.ok) expect(result.failure.message).toContain(CONNECTION_SECRET_ENV);
  });
});
