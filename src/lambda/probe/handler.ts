import { performance } from 'node:perf_hooks';
import { DatabaseRuntimeError, getDatabase } from '../../runtime/index.js';
import type { ProbeFailure, ProbeReport } from '../../runtime/probe-report.js';
import { redactConnectionStrings } from '../../runtime/redact.js';

export type {
  ProbeFailure,
  ProbeReport as ProbeResult,
  ProbeSuccess,
} from '../../runtime/probe-report.js';

const PROBE_SQL = `select current_setting('server_version') as server_version,
  current_setting('server_version_num')::int as server_version_num,
  current_database() as database,
  current_user as "user",
  coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false) as encrypted`;

interface ProbeRow {
  server_version: string;
  server_version_num: number;
  database: string;
  user: string;
  encrypted: boolean;
}

/**
 * Connects exactly like a SpendSense Lambda (the runtime module, from the same subnets and
 * security group) and reports what it found. It never throws: a failure is a result, and its
 * message has been through redaction.
 */
export const handler = async (): Promise<ProbeReport> => {
  const started = performance.now();
  let connectMillis: number | undefined;
  try {
    return await getDatabase().withClient(async (client) => {
      const acquiredMillis = elapsed(started);
      connectMillis = acquiredMillis;
      const queryStarted = performance.now();
      const { rows } = await client.query<ProbeRow>(PROBE_SQL);
      const queryMillis = elapsed(queryStarted);
      const row = rows[0];
      if (row === undefined) throw new Error('The probe query returned no row.');
      return {
        ok: true,
        serverVersion: row.server_version,
        serverMajor: Math.floor(row.server_version_num / 10_000),
        encrypted: row.encrypted,
        database: row.database,
        user: row.user,
        connectMillis: acquiredMillis,
        queryMillis,
      };
    });
  } catch (error) {
    return {
      ok: false,
      failure: describeFailure(error),
      connectMillis: connectMillis ?? elapsed(started),
    };
  }
};

function describeFailure(error: unknown): ProbeFailure['failure'] {
  if (!(error instanceof Error)) {
    return { errorClass: typeof error, message: 'A non-error value was thrown.' };
  }
  const category =
    error instanceof DatabaseRuntimeError && 'reason' in error && typeof error.reason === 'string'
      ? error.reason
      : undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return {
    errorClass: error.name,
    ...(category !== undefined && { category }),
    ...(code !== undefined && { code }),
    // The runtime's own errors are already scrubbed; anything else gets the URL redaction too.
    message: redactConnectionStrings(error.message),
  };
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 100) / 100;
}
