/**
 * `npm run bench`: the runtime module against plain node-postgres, on a local PostgreSQL 15 with
 * TLS and SCRAM over loopback, four scenarios in one run. Each iteration measures both sides
 * back to back, alternating which goes first, so machine noise lands on both alike.
 *
 * Prints one JSON line per scenario, then `{"summary": {...}}`. Progress goes to stderr.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { localStatePaths } from '../src/cli/local/paths.js';
import { rolePasswordFile } from '../src/cli/local/roles.js';
import { signAuthToken } from '../src/runtime/credentials/iam-credentials.js';
import { createDatabase, type Database } from '../src/runtime/index.js';
import { APP_USERNAME } from '../src/shared/names.js';
import { TEST_CREDENTIALS } from '../test/support/iam-tokens.js';
import {
  adminClientConfig,
  startTestPostgres,
  type TestPostgres,
} from '../test/support/postgres.js';
import { type Latency, ratio, summarise } from './stats.js';

const WARM_ITERATIONS = 3000;
const COLD_ITERATIONS = 60;
const NAIVE_ITERATIONS = 200;
const CONNECT_ITERATIONS = 60;
const WARM_UP = 200;

type Step = () => Promise<unknown>;

async function time(step: Step): Promise<number> {
  const started = performance.now();
  await step();
  return performance.now() - started;
}

/** Runs `a` and `b` once per iteration, alternating the order; `before` runs untimed. */
async function interleave(
  iterations: number,
  a: Step,
  b: Step,
  before: { a?: Step; b?: Step } = {},
): Promise<[number[], number[]]> {
  const samplesA: number[] = [];
  const samplesB: number[] = [];
  const runA = async (): Promise<void> => {
    await before.a?.();
    samplesA.push(await time(a));
  };
  const runB = async (): Promise<void> => {
    await before.b?.();
    samplesB.push(await time(b));
  };
  for (let i = 0; i < iterations; i++) {
    if (i % 2 === 0) {
      await runA();
      await runB();
    } else {
      await runB();
      await runA();
    }
  }
  return [samplesA, samplesB];
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function report(
  name: string,
  iterations: number,
  sides: Record<string, Latency>,
  value: number,
): void {
  console.log(JSON.stringify({ name, iterations, ...sides, ratio: value }));
}

async function main(): Promise<void> {
  progress('starting PostgreSQL 15 (TLS, scram-sha-256) on loopback');
  const server: TestPostgres = await startTestPostgres();
  const plainConfig = adminClientConfig(server);
  // As in a Lambda whose Powertools cache already holds the secret: no AWS call in the loop.
  const secret = {
    url: 'postgresql://unused',
    engine: 'postgres',
    host: server.host,
    port: server.port,
    dbname: server.database,
    username: server.user,
    password: server.password,
  };
  const database: Database = createDatabase({
    secretSource: async () => secret,
    extraCertificateAuthorities: [server.caPem],
  });
  const plain = new pg.Client(plainConfig);
  try {
    await plain.connect();
    for (let i = 0; i < WARM_UP; i++) {
      await database.query('SELECT 1');
      await plain.query('SELECT 1');
    }

    progress(`warm: ${WARM_ITERATIONS} invocations per side`);
    const [warmModule, warmPlain] = await interleave(
      WARM_ITERATIONS,
      () => database.query('SELECT 1'),
      () => plain.query('SELECT 1'),
    );
    const warm = { module: summarise(warmModule), plain: summarise(warmPlain) };
    const warmRatio = ratio(warm.module, warm.plain);
    report('warm', WARM_ITERATIONS, warm, warmRatio);

    progress(`cold: ${COLD_ITERATIONS} new connections per side`);
    let bare: pg.Client | undefined;
    const [coldModule, coldPlain] = await interleave(
      COLD_ITERATIONS,
      () => database.query('SELECT 1'),
      async () => {
        bare = new pg.Client(plainConfig);
        await bare.connect();
        await bare.query('SELECT 1');
      },
      {
        // A new execution environment: no pool, no connection (the secret stays cached).
        a: () => database.end(),
        b: async () => {
          await bare?.end();
          bare = undefined;
        },
      },
    );
    await bare?.end();
    const cold = { module: summarise(coldModule), plain: summarise(coldPlain) };
    const coldRatio = ratio(cold.module, cold.plain);
    report('cold', COLD_ITERATIONS, cold, coldRatio);

    progress(`naive: ${NAIVE_ITERATIONS} invocations per side`);
    await database.query('SELECT 1');
    const [naiveSamples, moduleSamples] = await interleave(
      NAIVE_ITERATIONS,
      async () => {
        const client = new pg.Client(plainConfig);
        try {
          await client.connect();
          await client.query('SELECT 1');
        } finally {
          await client.end();
        }
      },
      () => database.query('SELECT 1'),
    );
    const naive = { naive: summarise(naiveSamples), module: summarise(moduleSamples) };
    const naiveRatio = ratio(naive.naive, naive.module);
    report('naive', NAIVE_ITERATIONS, naive, naiveRatio);

    progress(`connect: ${CONNECT_ITERATIONS} new environments per side, IAM and password`);
    const connect = await connectPaths(server);
    const iamConnectRatio = ratio(connect.iam, connect.password);
    report('connect', CONNECT_ITERATIONS, connect, iamConnectRatio);

    console.log(JSON.stringify({ summary: { warmRatio, coldRatio, naiveRatio, iamConnectRatio } }));
  } finally {
    await plain.end().catch(() => undefined);
    await database.end().catch(() => undefined);
    await server.destroy();
  }
}

/**
 * A new execution environment's first query as `spendsense_app`-like roles: with an IAM token
 * (resolving the credentials and signing included) and with a password. The local server cannot
 * check IAM tokens, so the clock is pinned: every signature is the same token, set as the IAM
 * role's password, and SCRAM stands in for RDS's check on both sides.
 */
async function connectPaths(server: TestPostgres): Promise<Record<'iam' | 'password', Latency>> {
  const admin = new pg.Client(adminClientConfig(server));
  await admin.connect();
  const restoreClock = pinClock(new Date('2026-12-03T09:00:00Z'));
  try {
    await admin.query('create role bench_iam login');
    await admin.query(`grant connect on database ${server.database} to bench_iam`);
    const target = { host: server.host, port: server.port, user: 'bench_iam', region: 'us-east-1' };
    const token = await signAuthToken({ ...target, identity: TEST_CREDENTIALS });
    await admin.query(`alter role bench_iam password ${admin.escapeLiteral(token)}`);
    const appPassword = (
      await readFile(rolePasswordFile(localStatePaths(server.stateDir), 'app'), 'utf8')
    ).trim();
    const common = { extraCertificateAuthorities: [server.caPem] };
    const firstQuery = async (database: Database): Promise<void> => {
      try {
        await database.query('SELECT 1');
      } finally {
        await database.end();
      }
    };
    const [iam, password] = await interleave(
      CONNECT_ITERATIONS,
      () =>
        firstQuery(
          createDatabase({
            ...common,
            iam: {
              ...target,
              database: server.database,
              credentials: async () => TEST_CREDENTIALS,
            },
          }),
        ),
      () =>
        firstQuery(
          createDatabase({
            ...common,
            connection: {
              host: server.host,
              port: server.port,
              database: server.database,
              user: APP_USERNAME,
              password: appPassword,
            },
          }),
        ),
    );
    return { iam: summarise(iam), password: summarise(password) };
  } finally {
    restoreClock();
    await admin.end();
  }
}

/** Makes `new Date()` and `Date.now()` return `at` until the returned function is called. */
function pinClock(at: Date): () => void {
  const RealDate = Date;
  const pinned = at.getTime();
  class PinnedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(pinned);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return pinned;
    }
  }
  globalThis.Date = PinnedDate as DateConstructor;
  return () => {
    globalThis.Date = RealDate;
  };
}

await main();
