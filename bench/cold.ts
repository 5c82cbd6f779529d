/**
 * `npm run bench:cold`: a cold start, from process start to the first result, of the real probe
 * bundle (built by `createSpendSenseFunction`, as the CDK app builds it: esbuild, minified, its
 * region's RDS CAs in a file beside it) against a minimal handler bundled the same way that
 * imports only `pg` and connects with verified TLS.
 *
 * Both run in fresh Node.js processes, alternating which goes first, one untimed round and then
 * 30 timed ones, against a local PostgreSQL 15 (TLS, SCRAM) on loopback. The probe takes the IAM
 * path as in AWS (credentials from the environment, a token signed locally); the local server
 * cannot check IAM tokens, so both processes run with a pinned clock and the token is the role's
 * password, which the minimal handler uses as well. Any AWS endpoint points at a closed loopback
 * port: nothing leaves the machine.
 *
 * Prints one JSON line per side, then `{"summary": {...}}` as the last line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import pg from 'pg';
import { PROBE_ENTRY } from '../src/infra/database/probe-function.js';
import { createSpendSenseFunction } from '../src/infra/lambda/spendsense-function.js';
import { signAuthToken } from '../src/runtime/credentials/iam-credentials.js';
import { APP_USERNAME, DatabaseEnvironment } from '../src/shared/names.js';
import { adminClientConfig, startTestPostgres } from '../test/support/postgres.js';
import { median } from './stats.js';

const execFileAsync = promisify(execFile);
const ROUNDS = 30;
const REGION = 'us-east-1';
const PINNED_TIME = Date.parse('2026-12-03T09:00:00Z');
const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'bench-session-token',
};
const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

function progress(message: string): void {
  process.stderr.write(`bench:cold: ${message}\n`);
}

/** Both bundles, built by the function helper every SpendSense Lambda uses. */
function buildBundles(outdir: string): { probe: string; minimal: string } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'ColdStart', { env: { region: REGION, account: '123456789012' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const securityGroup = new ec2.SecurityGroup(stack, 'Group', { vpc, allowAllOutbound: false });
  const key = new kms.Key(stack, 'Key');
  const build = (id: string, entry: string) =>
    createSpendSenseFunction(new Construct(stack, id), {
      description: id,
      entry,
      timeout: Duration.seconds(15),
      // As the probe is built (src/infra/database/probe-function.ts).
      sourceMap: false,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      logGroupName: `/bench/${id}`,
      logs: {
        encryptionKey: key,
        retention: logs.RetentionDays.ONE_DAY,
        removalPolicy: RemovalPolicy.DESTROY,
      },
    }).function;
  const probe = build('Probe', PROBE_ENTRY);
  const minimal = build('Minimal', here('./cold/minimal-handler.ts'));
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
  };
  const assetOf = (fn: typeof probe): string => {
    const logicalId = stack.getLogicalId(fn.node.defaultChild as never);
    const key = template.Resources[logicalId]!.Properties.Code.S3Key;
    return path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
  };
  return { probe: assetOf(probe), minimal: assetOf(minimal) };
}

interface Run {
  readonly readyMillis: number;
  readonly ok: boolean;
  readonly result: unknown;
}

async function invoke(bundleDir: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [
      '--import',
      here('./cold/pin-clock.mjs'),
      here('./cold/invoke.mjs'),
      path.join(bundleDir, 'index.mjs'),
    ],
    { env, timeout: 20_000 },
  );
  const run = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Run;
  if (!run.ok)
    throw new Error(`${path.basename(bundleDir)} did not succeed: ${JSON.stringify(run.result)}`);
  return run;
}

/** What to stop if the process must go early (Ctrl-C, a closed pipe, a crash). */
const stops: (() => Promise<unknown>)[] = [];
function exitAfterStopping(why: string, code: number): void {
  progress(`${why}: stopping everything started`);
  void Promise.allSettled(stops.map((stop) => stop())).finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => exitAfterStopping(signal, 130));
}
process.stdout.on('error', () => exitAfterStopping('stdout closed', 1));
process.once('uncaughtException', (error) => exitAfterStopping(`crashed (${error.message})`, 1));

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'spendsense-bench-cold-'));
  stops.push(async () => rmSync(work, { recursive: true, force: true }));
  progress('bundling the probe and the minimal handler with createSpendSenseFunction');
  const bundles = buildBundles(path.join(work, 'cdk.out'));
  const bundleBytes = statSync(path.join(bundles.probe, 'index.mjs')).size;
  const minimalBytes = statSync(path.join(bundles.minimal, 'index.mjs')).size;

  progress('starting PostgreSQL 15 (TLS, scram-sha-256) on loopback');
  const server = await startTestPostgres();
  stops.push(() => server.destroy());
  const admin = new pg.Client(adminClientConfig(server));
  try {
    await admin.connect();
    const RealDate = Date;
    globalThis.Date = class extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(PINNED_TIME);
        else super(...(args as [number]));
      }
      static override now(): number {
        return PINNED_TIME;
      }
    } as DateConstructor;
    let token: string;
    try {
      token = await signAuthToken({
        host: server.host,
        port: server.port,
        user: APP_USERNAME,
        region: REGION,
        identity: CREDENTIALS,
      });
    } finally {
      globalThis.Date = RealDate;
    }
    await admin.query(`alter role ${APP_USERNAME} password ${admin.escapeLiteral(token)}`);

    // Both trust the region's RDS CAs, as shipped with the probe, and the local CA.
    const caFile = path.join(work, 'trusted.pem');
    writeFileSync(
      caFile,
      `${readFileSync(path.join(bundles.probe, 'rds-ca.pem'), 'utf8')}${server.caPem}`,
    );
    const common: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
      AWS_EC2_METADATA_DISABLED: 'true',
      // Port 9 (discard) on loopback: an AWS call, if any, would fail here, not leave the machine.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      BENCH_PINNED_TIME: String(PINNED_TIME),
    };
    const probeEnv: NodeJS.ProcessEnv = {
      ...common,
      [DatabaseEnvironment.Host]: server.host,
      [DatabaseEnvironment.Port]: String(server.port),
      [DatabaseEnvironment.Name]: server.database,
      [DatabaseEnvironment.User]: APP_USERNAME,
      [DatabaseEnvironment.AuthMethod]: 'iam',
      [DatabaseEnvironment.RdsCaFile]: path.join(bundles.probe, 'rds-ca.pem'),
      [DatabaseEnvironment.ExtraCaFile]: server.caPath,
    };
    const minimalEnv: NodeJS.ProcessEnv = {
      ...common,
      MINIMAL_DB_HOST: server.host,
      MINIMAL_DB_PORT: String(server.port),
      MINIMAL_DB_NAME: server.database,
      MINIMAL_DB_USER: APP_USERNAME,
      MINIMAL_DB_PASSWORD: token,
      MINIMAL_DB_CA_FILE: caFile,
    };

    progress(`1 untimed round, then ${ROUNDS} timed rounds of one fresh process per side`);
    await invoke(bundles.probe, probeEnv);
    await invoke(bundles.minimal, minimalEnv);
    const probeSamples: number[] = [];
    const minimalSamples: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sides: [() => Promise<void>, () => Promise<void>] = [
        async () => void probeSamples.push((await invoke(bundles.probe, probeEnv)).readyMillis),
        async () =>
          void minimalSamples.push((await invoke(bundles.minimal, minimalEnv)).readyMillis),
      ];
      if (round % 2 === 1) sides.reverse();
      for (const side of sides) await side();
    }
    const probeP50Ms = round(median(probeSamples));
    const minimalP50Ms = round(median(minimalSamples));
    console.log(JSON.stringify({ name: 'probe', rounds: ROUNDS, p50Ms: probeP50Ms, bundleBytes }));
    console.log(
      JSON.stringify({
        name: 'minimal',
        rounds: ROUNDS,
        p50Ms: minimalP50Ms,
        bundleBytes: minimalBytes,
      }),
    );
    console.log(
      JSON.stringify({
        summary: {
          coldRatio: round(probeP50Ms / minimalP50Ms),
          bundleBytes,
          probeP50Ms,
          minimalP50Ms,
        },
      }),
    );
  } finally {
    await admin.end().catch(() => undefined);
    await server.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

await main();
