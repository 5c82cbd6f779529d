import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { ENGINE_MAJOR_VERSION } from '../../../shared/names.js';
import { CliError, ExitCode } from '../../exit-codes.js';

/** What the readiness checks learned about the server, for the report and `--json`. */
export interface ServerFacts {
  serverVersion?: string;
  tlsVersion?: string;
  database?: string;
  user?: string;
  maxConnections?: number;
  connectionsInUse?: number;
  medianRoundTripMillis?: number;
}

/** One readiness check: its stage name, label, and what it runs on the open client. */
export interface ReadinessCheck {
  readonly stage: string;
  readonly label: string;
  run(client: pg.Client, facts: ServerFacts): Promise<string>;
}

const ROUND_TRIPS = 10;

export const readinessChecks: readonly ReadinessCheck[] = [
  {
    stage: 'version',
    label: `server is PostgreSQL ${ENGINE_MAJOR_VERSION}`,
    async run(client, facts) {
      const { rows } = await client.query<{ version: string; number: number }>(
        "select current_setting('server_version') as version, current_setting('server_version_num')::int as number",
      );
      const row = rows[0];
      if (row === undefined) throw new Error('version query returned no row');
      facts.serverVersion = row.version;
      const major = Math.floor(row.number / 10_000);
      if (major !== ENGINE_MAJOR_VERSION) {
        throw new CliError(
          `The server runs PostgreSQL ${row.version}, not ${ENGINE_MAJOR_VERSION}.`,
          ExitCode.WrongServerVersion,
          `SpendSense targets PostgreSQL ${ENGINE_MAJOR_VERSION} (RDS engine major ${ENGINE_MAJOR_VERSION}); check that this is the right server.`,
        );
      }
      return `PostgreSQL ${row.version}`;
    },
  },
  {
    stage: 'encryption',
    label: 'this connection is encrypted',
    async run(client, facts) {
      const { rows } = await client.query<{
        ssl: boolean;
        version: string | null;
        cipher: string | null;
      }>('select ssl, version, cipher from pg_stat_ssl where pid = pg_backend_pid()');
      const row = rows[0];
      if (row?.ssl !== true) {
        throw new CliError(
          'The server reports this connection as unencrypted (pg_stat_ssl.ssl is false).',
          ExitCode.ReadinessFailed,
          'Something between this client and the server terminates TLS; connect to the server directly.',
        );
      }
      facts.tlsVersion = row.version ?? undefined;
      return `pg_stat_ssl: ssl on, ${row.version ?? '?'}, ${row.cipher ?? '?'}`;
    },
  },
  {
    stage: 'identity',
    label: 'database and user',
    async run(client, facts) {
      const { rows } = await client.query<{ database: string; user: string }>(
        'select current_database() as database, current_user as user',
      );
      facts.database = rows[0]?.database;
      facts.user = rows[0]?.user;
      return `database ${facts.database ?? '?'}, user ${facts.user ?? '?'}`;
    },
  },
  {
    stage: 'max_connections',
    label: 'max_connections',
    async run(client, facts) {
      const { rows } = await client.query<{ max: number; used: number }>(
        "select current_setting('max_connections')::int as max, (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as used",
      );
      facts.maxConnections = rows[0]?.max;
      facts.connectionsInUse = rows[0]?.used;
      return `${facts.maxConnections ?? '?'} (${facts.connectionsInUse ?? '?'} in use)`;
    },
  },
  {
    stage: 'write_read',
    label: 'write then read (temporary table)',
    async run(client) {
      const { rows: access } = await client.query<{
        temp: boolean;
        recovery: boolean;
        readOnly: string;
      }>(
        `select has_database_privilege(current_database(), 'TEMP') as temp,
                pg_is_in_recovery() as recovery,
                current_setting('transaction_read_only') as "readOnly"`,
      );
      if (access[0]?.temp === false) {
        // A least-privilege role (spendsense_app) may not create even a temporary table: say
        // whether the server would take writes instead.
        if (access[0].recovery || access[0].readOnly === 'on') {
          throw new CliError(
            'The server would not take writes (in recovery, or this session is read-only).',
            ExitCode.ReadinessFailed,
            'The server is read-only (a replica or a database in recovery); connect to the writer endpoint.',
          );
        }
        return 'writable (not in recovery, not read-only); no TEMP privilege, so no row written';
      }
      const token = randomUUID();
      try {
        await client.query('create temporary table spendsense_check (token text not null)');
        await client.query('insert into spendsense_check (token) values ($1)', [token]);
        const { rows } = await client.query<{ token: string }>(
          'select token from spendsense_check',
        );
        if (rows.length !== 1 || rows[0]?.token !== token) {
          throw new Error('the row read back differs from the row written');
        }
      } finally {
        await client.query('drop table if exists spendsense_check').catch(() => undefined);
      }
      return 'wrote a row, read the same row back';
    },
  },
  {
    stage: 'latency',
    label: `median of ${ROUND_TRIPS} round trips`,
    async run(client, facts) {
      const times: number[] = [];
      for (let index = 0; index < ROUND_TRIPS; index += 1) {
        const started = performance.now();
        await client.query('select 1');
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const median = ((times[ROUND_TRIPS / 2 - 1] ?? 0) + (times[ROUND_TRIPS / 2] ?? 0)) / 2;
      facts.medianRoundTripMillis = Math.round(median * 100) / 100;
      return `median ${facts.medianRoundTripMillis} ms (min ${times[0]?.toFixed(2)}, max ${times.at(-1)?.toFixed(2)})`;
    },
  },
];
