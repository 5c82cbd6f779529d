/**
 * `npm run bench:cli`: what a `spendsense-db` call costs, as whole processes, against bare Node
 * (`node -e 0`) measured side by side in the same run. Each round runs both sides of a scenario
 * back to back, alternating which goes first, so machine noise lands on both alike; the ratio
 * is the median of the rounds' ratios.
 *
 * CPU time is the child's user + system time, read by bash's `times` builtin (getrusage of the
 * children: the whole process, start-up and exit included, nothing injected into it). Wall time
 * comes from bash's $EPOCHREALTIME around the same run.
 *
 * Scenarios: `--help`; `local status` and `check --local` against a real local database started
 * in a temporary state folder (stopped and removed at the end). The command runs as users run it,
 * through bin/spendsense-db.js; a missing or stale build is rebuilt first.
 *
 * Prints one JSON line for the cost of the launcher's freshness check and one per scenario,
 * then `{"summary": {...}}`. Progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildState, PACKAGE_ROOT } from '../bin/build-state.js';
import { median, summarise, type Latency } from './stats.js';

const ROUNDS = Number(process.env.BENCH_CLI_ROUNDS ?? 15);
const WARM_UP_ROUNDS = 2;
const CLI = path.join(PACKAGE_ROOT, 'bin', 'spendsense-db.js');
const GOALS = { help: 3, status: 3, check: 5 } as const;

/** One run of `node <args>` as a child of bash, its stdout and stderr discarded. */
interface Sample {
  readonly cpuMs: number;
  readonly wallMs: number;
}

// Runs "$@" once; prints the exit code, the start and end times, then `times` (the shell's own
// times on the first line, its children's on the second).
const MEASURE = [
  'start=$EPOCHREALTIME',
  '"$@" >/dev/null 2>&1',
  'code=$?',
  'end=$EPOCHREALTIME',
  'echo "$code $start $end"',
  'times',
].join('; ');

function measure(args: readonly string[]): Sample {
  const run = spawnSync('bash', ['-c', MEASURE, 'bash', process.execPath, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.error !== undefined) throw new Error(`bash did not run: ${run.error.message}`);
  const [status, , children] = run.stdout.trim().split('\n');
  const [code, start, end] = (status ?? '').split(' ').map(Number);
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  const times = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(children ?? '');
  if (times === null || start === undefined || end === undefined) {
    throw new Error(`Unexpected output of bash's times: ${run.stdout}`);
  }
  const [, userMin, userSec, sysMin, sysSec] = times.map(Number);
  const cpuSeconds = (userMin ?? 0) * 60 + (userSec ?? 0) + (sysMin ?? 0) * 60 + (sysSec ?? 0);
  return { cpuMs: round(cpuSeconds * 1000), wallMs: round((end - start) * 1000) };
}

interface ScenarioResult {
  readonly name: string;
  readonly rounds: number;
  readonly nodeCpu: Latency;
  readonly commandCpu: Latency;
  readonly nodeWall: Latency;
  readonly commandWall: Latency;
  readonly cpuRatio: number;
  readonly goal: number;
  readonly met: boolean;
}

/** `rounds` pairs of (bare Node, the command), alternating the order; warm-up rounds discarded. */
function scenario(name: string, args: readonly string[], goal: number): ScenarioResult {
  const bare = ['-e', '0'];
  const node: Sample[] = [];
  const command: Sample[] = [];
  for (let round = -WARM_UP_ROUNDS; round < ROUNDS; round++) {
    let nodeSample: Sample;
    let commandSample: Sample;
    if (round % 2 === 0) {
      nodeSample = measure(bare);
      commandSample = measure(args);
    } else {
      commandSample = measure(args);
      nodeSample = measure(bare);
    }
    if (round < 0) continue;
    node.push(nodeSample);
    command.push(commandSample);
  }
  const ratios = command.map((sample, i) => sample.cpuMs / (node[i] as Sample).cpuMs);
  const cpuRatio = round(median(ratios));
  const result: ScenarioResult = {
    name,
    rounds: ROUNDS,
    nodeCpu: summarise(node.map((sample) => sample.cpuMs)),
    commandCpu: summarise(command.map((sample) => sample.cpuMs)),
    nodeWall: summarise(node.map((sample) => sample.wallMs)),
    commandWall: summarise(command.map((sample) => sample.wallMs)),
    cpuRatio,
    goal,
    met: cpuRatio <= goal,
  };
  console.log(JSON.stringify(result));
  return result;
}

/**
 * What the launcher's freshness check (bin/build-state.js) costs where it runs: once, in a new
 * process, before the JIT has warmed up. Median over fresh processes, in milliseconds.
 */
function freshnessCheckMillis(): number {
  const script = [
    `const { buildState } = await import(${JSON.stringify(path.join(PACKAGE_ROOT, 'bin/build-state.js'))});`,
    'const started = performance.now();',
    'buildState();',
    'process.stdout.write(String(performance.now() - started));',
  ].join('\n');
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status !== 0) throw new Error(`The freshness check failed: ${run.stderr}`);
    samples.push(Number(run.stdout));
  }
  return round(median(samples));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function cli(args: readonly string[]): void {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (run.status !== 0) {
    throw new Error(`spendsense-db ${args.join(' ')} exited with ${run.status}:\n${run.stderr}`);
  }
}

function progress(message: string): void {
  process.stderr.write(`bench:cli: ${message}\n`);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

async function main(): Promise<void> {
  if (spawnSync('bash', ['-c', 'true']).status !== 0) {
    throw new Error('bench:cli needs bash (its `times` builtin reads the CPU time of a child).');
  }
  const state = buildState();
  if (state.kind !== 'built') {
    progress(
      `building first (${state.kind === 'stale' ? `${state.changed} changed` : state.kind})`,
    );
    const build = spawnSync('npm', ['run', 'build'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed.');
  }
  progress("measuring the launcher's build freshness check");
  console.log(
    JSON.stringify({
      name: 'build freshness check (bin/build-state.js, in a new process)',
      rounds: ROUNDS,
      medianMs: freshnessCheckMillis(),
    }),
  );

  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'spendsense-bench-cli-'));
  const port = await freePort();
  const local = ['--state-dir', stateDir];
  try {
    progress(`starting a local database on port ${port} in ${stateDir}`);
    cli(['local', 'start', '--port', String(port), ...local]);
    cli(['check', '--local', ...local]);

    progress(`${ROUNDS} rounds per scenario after ${WARM_UP_ROUNDS} warm-up rounds`);
    const help = scenario('--help', [CLI, '--help'], GOALS.help);
    const status = scenario('local status', [CLI, 'local', 'status', ...local], GOALS.status);
    const check = scenario('check --local', [CLI, 'check', '--local', ...local], GOALS.check);
    console.log(
      JSON.stringify({
        summary: {
          helpCpuRatio: help.cpuRatio,
          statusCpuRatio: status.cpuRatio,
          checkCpuRatio: check.cpuRatio,
        },
      }),
    );
  } finally {
    progress('stopping the local database');
    try {
      cli(['local', 'stop', ...local]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
}

await main();
