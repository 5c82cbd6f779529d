import { performance } from 'node:perf_hooks';
import { DatabaseRuntimeError, getDatabase } from '../../runtime/index.js';
import { readSchemaVersion } from '../../runtime/migrations/history.js';
import type { ProbeFailure, ProbeReport } from '../../runtime/probe-report.js';
import { scrub } from '../../runtime/redact.js';

export type {
  ProbeFailure,
  ProbeReport as ProbeResult,
  ProbeSuccess,
} from '../../runtime/probe-report.js';

// What the role can do comes from pg_roles (readable by every role), the TLS facts from this
// backend's own row of pg_stat_ssl.
const PROBE_SQL = `select current_setting('server_version') as server_version,
  current_setting('server_version_num')::int as server_version_num,
  current_database() as database,
  current_user as "user",
  r.rolsuper as superuser,
  r.rolcreaterole as create_role,
  coalesce(s.ssl, false) as encrypted,
  s.version as tls_version
  from pg_roles r left join pg_stat_ssl s on s.pid = pg_backend_pid()
 where r.rolname = current_user`;

interface ProbeRow {
  server_version: string;
  server_version_num: number;
  database: string;
  user: string;
  superuser: boolean;
  create_role: boolean;
  encrypted: boolean;
  tls_version: string | null;
}

/**
 * Connects exactly like a SpendSense Lambda (the runtime module, IAM authentication as
 * `spendsense_app`, from the same subnets and security group; no secret read) and reports who
 * it is, what that role may do, TLS, the server version and the schema version it sees. It never throws: a failure is a
 * result, and its message has been through redaction.
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
      // Reported, never fatal: a history the role may not read leaves the field out.
      const schemaVersion = await readSchemaVersion(client).catch(() => undefined);
      return {
        ok: true,
        serverVersion: row.server_version,
        serverMajor: Math.floor(row.server_version_num / 10_000),
        encrypted: row.encrypted,
        ...(row.tls_version !== null && { tlsVersion: row.tls_version }),
        database: row.database,
        user: row.user,
        superuser: row.superuser,
        canCreateRoles: row.create_role,
        ...(schemaVersion !== undefined && { schemaVersion }),
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
    // The runtime's own errors are already scrubbed; anything else gets the URL and token
    // redaction too.
    message: scrub(error.message, []),
  };
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 100) / 100;
}
