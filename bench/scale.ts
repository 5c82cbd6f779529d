/**
 * `npm run bench:scale`: many Lambda execution environments against one small database.
 *
 * Each simulated environment is one `createDatabase()` (its own connection and its own backoff
 * memory, as in a Lambda) running invocations back to back: BEGIN / SELECT / INSERT / COMMIT as
 * `spendsense_app`. After a failed invocation the next one comes 100 ms later (an event source
 * redelivering), so an environment that fails fast does not spin. N = 10 ... 200 in steady state
 * (starts spread over 1 s, 3 s warm-up, 4 s measured; 30 s warm-up where there are more
 * environments than the application's slots, so that the refused ones have reached the backoff
 * they keep in a steady state instead of the first seconds after a burst, which is the storm's
 * subject), then 200 starting at the same instant
 * (the storm, 10 s window). Directly, then through PgBouncer standing in for RDS Proxy.
 *
 * The server is a local PostgreSQL 15 (TLS, SCRAM, loopback only) with `max_connections` 87, a
 * db.t3.micro's: RDS sets `LEAST(DBInstanceClassMemory / 9531392, 5000)`, and the memory RDS
 * leaves to the database on a 1 GiB class gives 80 to 112 depending on what the OS keeps; 87 is
 * what the measurements in issue 10 used, so the figures compare. `spendsense_app` gets the
 * slots the connection budget leaves it (`applicationConnectionLimit`), as deployed.
 * `BENCH_MAX_CONNECTIONS` overrides the value, `BENCH_COUNTS=50,200` the list of N, and
 * `BENCH_POOLER=skip` skips the pooled half, `BENCH_OVER_LIMIT_WARM_UP_MILLIS` sets the long warm-up.
 *
 * Prints a table, then `{"summary": {...}}` as the last line. Progress goes to stderr. Everything
 * it starts (server, PgBouncer, connections) is stopped on exit, on an error and on Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { localStatePaths } from '../src/cli/local/paths.js';
import { rolePasswordFile } from '../src/cli/local/roles.js';
import {
  createDatabase,
  type Database,
  DatabaseConnectionError,
  DatabaseRuntimeError,
} from '../src/runtime/index.js';
import {
  applicationConnectionLimit,
  proxyConnectionsPercent,
} from '../src/shared/connection-budget.js';
import { APP_USERNAME, APPLICATION_SCHEMA } from '../src/shared/names.js';
import {
  adminClientConfig,
  startTestPostgres,
  type TestPostgres,
} from '../test/support/postgres.js';
import {
  findPgBouncer,
  PGBOUNCER_INSTALL_HINT,
  type PgBouncer,
  startPgBouncer,
} from './pgbouncer.js';
import { summarise } from './stats.js';

const MAX_CONNECTIONS = Number(process.env.BENCH_MAX_CONNECTIONS ?? 87);
const COUNTS = (process.env.BENCH_COUNTS ?? '10,25,50,100,150,200').split(',').map(Number);
const STORM_ENVIRONMENTS = 200;
const RAMP_MILLIS = 1000;
const WARM_UP_MILLIS = 3000;
/** Long enough for a refused environment's backoff to grow to its cap (0.5+1+2+4+8+16 s at most). */
const OVER_LIMIT_WARM_UP_MILLIS = Number(process.env.BENCH_OVER_LIMIT_WARM_UP_MILLIS ?? 30_000);
const MEASURE_MILLIS = 4000;
const STORM_WINDOW_MILLIS = 10_000;
const PAUSE_AFTER_FAILURE_MILLIS = 100;
const TABLE = `${APPLICATION_SCHEMA}.bench_scale`;
/** `BENCH_NO_SLOT_BACKOFF=base,max` (ms) tries other backoff settings than the module's defaults. */
const NO_SLOT_BACKOFF = (() => {
  const setting = process.env.BENCH_NO_SLOT_BACKOFF;
  if (setting === undefined) return {};
  const [base, max] = setting.split(',').map(Number);
  return { noSlotBackoffBaseMillis: base, noSlotBackoffMaxMillis: max };
})();

interface Target {
  readonly path: 'direct' | 'pooled';
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly password: string;
  readonly caPem: string;
}

interface Invocation {
  readonly ok: boolean;
  readonly endedAt: number;
  readonly millis: number;
  /** The error's reason (or name) when it failed. */
  readonly kind?: string;
  /** Connection attempts the server refused (53300) during the invocation. */
  readonly refused: number;
}

interface Row {
  readonly path: Target['path'];
  readonly mode: 'steady' | 'storm';
  readonly environments: number;
  readonly transactionsPerSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly failed: number;
  /** Failed invocations over the whole row, ramp and warm-up included. */
  readonly failedAnyTime: number;
  readonly failP50Ms: number | null;
  readonly errorKinds: Record<string, number>;
  readonly refusedPerFailed: number | null;
  readonly served: number;
  /** Storm only: environments with a first success within the window, and when the last came. */
  readonly servedWithinMs?: number;
  readonly serverCpuMsPerTransaction: number | null;
}

const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  })();
  return cleaning;
}
/** Stops what was started before the process goes: on Ctrl-C, and on a crash or a closed pipe. */
function exitAfterCleanUp(why: string, code: number): void {
  progress(`${why}: stopping everything started`);
  void cleanUp().finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => exitAfterCleanUp(signal, 130));
}
// `npm run bench:scale | head` closes stdout early: the next write fails with EPIPE.
process.stdout.on('error', () => exitAfterCleanUp('stdout closed', 1));
process.once('uncaughtException', (error) => exitAfterCleanUp(`crashed (${error.message})`, 1));

function progress(message: string): void {
  process.stderr.write(`bench:scale: ${message}\n`);
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (ms) of the PostgreSQL server: the postmaster, the backends it already reaped
 * (`cutime`/`cstime`) and those still running.
 */
function serverCpuMillis(postmasterPid: number): number {
  const ticks = (fields: string[], from: number, count: number): number =>
    fields.slice(from, from + count).reduce((sum, value) => sum + Number(value), 0);
  const stat = (pid: number | string): string[] | undefined => {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces.
      return text.slice(text.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  const own = stat(postmasterPid);
  if (own === undefined) return Number.NaN;
  // After ')': state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  let total = ticks(own, 11, 4);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = stat(entry);
    if (fields !== undefined && Number(fields[1]) === postmasterPid) total += ticks(fields, 11, 2);
  }
  return (total * 1000) / CLOCK_TICKS;
}

function failureKind(error: unknown): string {
  if (error instanceof DatabaseConnectionError) return error.reason;
  if (error instanceof DatabaseRuntimeError) return error.name;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
}

class Environment {
  readonly database: Database;
  firstSuccessAt: number | undefined;
  #n = 0;

  constructor(
    readonly id: number,
    target: Target,
  ) {
    this.database = createDatabase({
      connection: {
        host: target.host,
        port: target.port,
        database: target.database,
        user: APP_USERNAME,
        password: target.password,
      },
      extraCertificateAuthorities: [target.caPem],
      logger: { warn: () => undefined },
      ...NO_SLOT_BACKOFF,
    });
  }

  async invoke(): Promise<Invocation> {
    const started = performance.now();
    try {
      await this.database.withClient(async (client) => {
        await client.query('BEGIN');
        await client.query(`SELECT n FROM ${TABLE} WHERE env = $1 ORDER BY n DESC LIMIT 1`, [
          this.id,
        ]);
        await client.query(`INSERT INTO ${TABLE} (env, n) VALUES ($1, $2)`, [this.id, ++this.#n]);
        await client.query('COMMIT');
      });
      const endedAt = performance.now();
      this.firstSuccessAt ??= endedAt;
      return { ok: true, endedAt, millis: endedAt - started, refused: 0 };
    } catch (error) {
      const endedAt = performance.now();
      const refused =
        error instanceof DatabaseConnectionError && error.reason === 'too-many-connections'
          ? error.attempts
          : 0;
      return { ok: false, endedAt, millis: endedAt - started, kind: failureKind(error), refused };
    }
  }
}

/** Runs one row: `count` environments invoking until the window closes. */
async function runRow(
  target: Target,
  count: number,
  mode: Row['mode'],
  postmasterPid: number,
  warmUpMillis = WARM_UP_MILLIS,
): Promise<Row> {
  const environments = Array.from({ length: count }, (_, id) => new Environment(id, target));
  cleanups.push(() => Promise.all(environments.map((environment) => environment.database.end())));
  const invocations: Invocation[] = [];
  let stopped = false;
  const t0 = performance.now();
  const windowStart = mode === 'steady' ? t0 + RAMP_MILLIS + warmUpMillis : t0;
  const windowMillis = mode === 'steady' ? MEASURE_MILLIS : STORM_WINDOW_MILLIS;
  let cpuStart = mode === 'storm' ? serverCpuMillis(postmasterPid) : Number.NaN;

  const loops = environments.map(async (environment, index) => {
    if (mode === 'steady') await sleep((index * RAMP_MILLIS) / count);
    while (!stopped) {
      const invocation = await environment.invoke();
      invocations.push(invocation);
      if (!invocation.ok) await sleep(PAUSE_AFTER_FAILURE_MILLIS);
    }
  });

  let windowEnd: number;
  if (mode === 'steady') {
    await sleep(windowStart - performance.now());
    cpuStart = serverCpuMillis(postmasterPid);
    await sleep(windowMillis);
    windowEnd = performance.now();
  } else {
    // The storm ends when every environment has been served, or when the window closes.
    const deadline = t0 + windowMillis;
    while (
      performance.now() < deadline &&
      environments.some((e) => e.firstSuccessAt === undefined)
    ) {
      await sleep(20);
    }
    windowEnd = performance.now();
  }
  const cpuMillis = serverCpuMillis(postmasterPid) - cpuStart;
  stopped = true;
  await Promise.all(loops);
  await Promise.all(environments.map((environment) => environment.database.end()));
  cleanups.pop();

  const measured = invocations.filter((i) => i.endedAt >= windowStart && i.endedAt <= windowEnd);
  const ok = measured.filter((i) => i.ok);
  const failed = measured.filter((i) => !i.ok);
  const errorKinds: Record<string, number> = {};
  for (const invocation of failed) {
    const kind = invocation.kind ?? 'unknown';
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  }
  const refused = failed.reduce((sum, i) => sum + i.refused, 0);
  const seconds = (windowEnd - windowStart) / 1000;
  const servedBy = mode === 'storm' ? windowEnd : Number.POSITIVE_INFINITY;
  const served = environments.filter(
    (e) => e.firstSuccessAt !== undefined && e.firstSuccessAt <= servedBy,
  );
  const latency = ok.length === 0 ? undefined : summarise(ok.map((i) => i.millis));
  const failLatency = failed.length === 0 ? undefined : summarise(failed.map((i) => i.millis));
  return {
    path: target.path,
    mode,
    environments: count,
    transactionsPerSecond: Math.round(ok.length / seconds),
    p50Ms: latency?.p50Ms ?? null,
    p99Ms: latency?.p99Ms ?? null,
    failed: failed.length,
    failedAnyTime: invocations.filter((i) => !i.ok).length,
    failP50Ms: failLatency?.p50Ms ?? null,
    errorKinds,
    refusedPerFailed: failed.length === 0 ? null : round(refused / failed.length),
    served: served.length,
    ...(mode === 'storm'
      ? {
          servedWithinMs: Math.round(
            Math.max(0, ...served.map((e) => (e.firstSuccessAt ?? t0) - t0)),
          ),
        }
      : {}),
    serverCpuMsPerTransaction: ok.length === 0 ? null : round(cpuMillis / ok.length),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Waits (at most 10 s) until the server has no session of the application role left. */
async function waitForAppSessionsGone(admin: pg.Client): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { rows } = await admin.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where usename = $1',
      [APP_USERNAME],
    );
    if (rows[0]?.n === 0) return;
    await sleep(50);
  }
  progress('warning: application sessions still open after 10 s');
}

function printTable(rows: readonly Row[]): void {
  const header = [
    'path',
    'mode',
    'N',
    'tx/s',
    'p50 ms',
    'p99 ms',
    'failed',
    'fail p50 ms',
    'refused/failed',
    'served',
    'cpu ms/tx',
    'error kinds',
  ];
  const cell = (value: number | string | null | undefined): string =>
    value === null || value === undefined ? '-' : String(value);
  const lines = rows.map((row) => [
    row.path,
    row.mode,
    cell(row.environments),
    cell(row.transactionsPerSecond),
    cell(row.p50Ms?.toFixed(1)),
    cell(row.p99Ms?.toFixed(1)),
    cell(row.failed),
    cell(row.failP50Ms?.toFixed(2)),
    cell(row.refusedPerFailed?.toFixed(2)),
    row.servedWithinMs === undefined
      ? cell(row.served)
      : `${row.served} in ${(row.servedWithinMs / 1000).toFixed(1)} s`,
    cell(row.serverCpuMsPerTransaction?.toFixed(2)),
    Object.entries(row.errorKinds)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ') || '-',
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((l) => l[i]!.length)),
  );
  const format = (cells: readonly string[]): string =>
    cells
      .map((c, i) =>
        i >= 2 && i < cells.length - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!),
      )
      .join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
  const started = performance.now();
  progress(
    `starting PostgreSQL 15 (TLS, scram-sha-256, max_connections ${MAX_CONNECTIONS}) on loopback`,
  );
  const server: TestPostgres = await startTestPostgres({ maxConnections: MAX_CONNECTIONS });
  cleanups.push(() => server.destroy());
  const paths = localStatePaths(server.stateDir);
  const postmasterPid = Number(
    (await readFile(`${paths.dataDir}/postmaster.pid`, 'utf8')).split('\n')[0],
  );
  const password = (await readFile(rolePasswordFile(paths, 'app'), 'utf8')).trim();

  const admin = new pg.Client(adminClientConfig(server));
  await admin.connect();
  cleanups.push(() => admin.end());
  await admin.query(`CREATE UNLOGGED TABLE ${TABLE} (env int NOT NULL, n int NOT NULL)`);
  await admin.query(`CREATE INDEX ON ${TABLE} (env, n)`);
  await admin.query(`GRANT SELECT, INSERT ON ${TABLE} TO ${APP_USERNAME}`);
  const limit = (
    await admin.query<{ limit: number }>(
      'select rolconnlimit as limit from pg_roles where rolname = $1',
      [APP_USERNAME],
    )
  ).rows[0]?.limit;
  progress(
    `${APP_USERNAME} may open ${limit} of ${MAX_CONNECTIONS} connections (applicationConnectionLimit: ${applicationConnectionLimit(MAX_CONNECTIONS)})`,
  );

  const targets: Target[] = [
    {
      path: 'direct',
      host: server.host,
      port: server.port,
      database: server.database,
      password,
      caPem: server.caPem,
    },
  ];
  let pooler: 'pgbouncer' | 'skipped' = 'skipped';
  const program = process.env.BENCH_POOLER === 'skip' ? undefined : await findPgBouncer();
  let bouncer: PgBouncer | undefined;
  if (process.env.BENCH_POOLER === 'skip') {
    progress('BENCH_POOLER=skip: skipping the pooled half');
  } else if (program === undefined) {
    progress(
      `pgbouncer is not installed: skipping the pooled half (install it with: ${PGBOUNCER_INSTALL_HINT})`,
    );
  } else {
    // Sized as the stack sizes RDS Proxy: its share of max_connections, under the role's limit.
    const poolSize = Math.floor((MAX_CONNECTIONS * proxyConnectionsPercent(MAX_CONNECTIONS)) / 100);
    bouncer = await startPgBouncer(program, {
      server: {
        host: server.host,
        port: server.port,
        database: server.database,
        caPem: server.caPem,
      },
      user: APP_USERNAME,
      password,
      poolSize,
    });
    cleanups.push(() => bouncer!.stop());
    pooler = 'pgbouncer';
    progress(
      `PgBouncer on 127.0.0.1:${bouncer.port}: transaction pooling, ${poolSize} server connections, TLS both ways`,
    );
    targets.push({
      path: 'pooled',
      host: bouncer.host,
      port: bouncer.port,
      database: server.database,
      password,
      caPem: bouncer.caPem,
    });
  }

  const rows: Row[] = [];
  for (const target of targets) {
    for (const count of COUNTS) {
      progress(`${target.path}, steady, ${count} environments`);
      const refusesSome = target.path === 'direct' && count > (limit ?? MAX_CONNECTIONS);
      const warmUp = refusesSome ? OVER_LIMIT_WARM_UP_MILLIS : WARM_UP_MILLIS;
      rows.push(await runRow(target, count, 'steady', postmasterPid, warmUp));
      // PgBouncer keeps its server connections open: only the direct rows leave none behind.
      if (target.path === 'direct') await waitForAppSessionsGone(admin);
    }
    progress(`${target.path}, storm, ${STORM_ENVIRONMENTS} environments at once`);
    rows.push(await runRow(target, STORM_ENVIRONMENTS, 'storm', postmasterPid));
    if (target.path === 'direct') await waitForAppSessionsGone(admin);
  }

  for (const row of rows) process.stderr.write(`${JSON.stringify(row)}\n`);
  printTable(rows);
  const direct = (count: number): Row | undefined =>
    rows.find((r) => r.path === 'direct' && r.mode === 'steady' && r.environments === count);
  const direct200 = direct(200);
  const direct50 = direct(50);
  const directStorm = rows.find((r) => r.path === 'direct' && r.mode === 'storm');
  const pooled = rows.filter((r) => r.path === 'pooled');
  progress(`done in ${Math.round((performance.now() - started) / 1000)} s`);
  console.log(
    JSON.stringify({
      summary: {
        directFailP50Ms: direct200?.failP50Ms ?? null,
        refusedPerFailed: direct200?.refusedPerFailed ?? null,
        throughput200over50:
          direct200 && direct50
            ? round(direct200.transactionsPerSecond / direct50.transactionsPerSecond)
            : null,
        stormServedIn10s: directStorm?.served ?? null,
        pooledFailures:
          pooler === 'skipped' ? null : pooled.reduce((sum, r) => sum + r.failedAnyTime, 0),
        pooler,
      },
    }),
  );
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanUp();
}
