import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { queryOnce as query } from '../support/query.js';

const shared = inject('postgres');

describe('the shared test PostgreSQL (globalSetup)', () => {
  const config = buildClientConfig(shared, { extraCertificateAuthorities: [shared.caPem] });

  test('is PostgreSQL 15 with this connection encrypted', async () => {
    const [row] = await query<{ version: string; ssl: boolean }>(
      config,
      'select version(), ssl from pg_stat_ssl where pid = pg_backend_pid()',
    );
    expect(row?.version).toMatch(/^PostgreSQL 15\./);
    expect(row?.ssl).toBe(true);
  });

  test('uses scram-sha-256, UTC and the RDS names', async () => {
    const [row] = await query<{ db: string; usr: string; enc: string; tz: string }>(
      config,
      "select current_database() as db, current_user as usr, current_setting('password_encryption') as enc, current_setting('TimeZone') as tz",
    );
    expect(row).toEqual({
      db: 'spendsense',
      usr: 'spendsense_admin',
      enc: 'scram-sha-256',
      tz: 'UTC',
    });
  });

  test('refuses a connection without TLS', async () => {
    await expect(query({ ...config, ssl: false }, 'select 1')).rejects.toThrow(
      /pg_hba\.conf rejects connection .*no encryption/,
    );
  });

  test('fails certificate verification without the local CA', async () => {
    await expect(query(buildClientConfig(shared), 'select 1')).rejects.toThrow(
      /self[- ]signed certificate in certificate chain|unable to (get|verify)/i,
    );
  });

  test('gives a libpq URL with full verification', () => {
    expect(shared.url).toBe(
      `postgresql://spendsense_admin:${shared.password}@127.0.0.1:${shared.port}/spendsense` +
        `?sslmode=verify-full&sslrootcert=${shared.caPath}`,
    );
  });
});

describe('startTestPostgres', () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startTestPostgres({ maxConnections: 7 });
  });
  afterAll(async () => {
    await postgres.destroy();
  });

  test('starts an isolated instance with the requested settings', async () => {
    expect(postgres.port).not.toBe(shared.port);
    const config = buildClientConfig(postgres, { extraCertificateAuthorities: [postgres.caPem] });
    const [row] = await query<{ max_connections: string }>(config, 'show max_connections');
    expect(row?.max_connections).toBe('7');
  });

  test('keeps data across stop and start on the same port', async () => {
    const config = buildClientConfig(postgres, { extraCertificateAuthorities: [postgres.caPem] });
    await query(config, "create table kept (v text); insert into kept values ('still here')");
    await postgres.stop();
    await expect(query(config, 'select 1')).rejects.toThrow(/ECONNREFUSED/);
    await postgres.start();
    const rows = await query<{ v: string }>(config, 'select v from kept');
    expect(rows).toEqual([{ v: 'still here' }]);
  });
});
