import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { runProcess } from '../../src/cli/local/run-process.js';
import { runBounded } from '../../src/cli/run-bounded.js';
import { createToolProbe } from '../../src/cli/tunnel/required-tools.js';
import { refusingPort, silentServer, type FaultServer } from '../support/fault-servers.js';
import { clearConnectionVariables } from '../support/connection-variables.js';
import { runCli } from '../support/run-cli.js';

/**
 * "Every command ends when its work is done": once a command has answered, no timer it started
 * may still hold the process open (a spawn timeout never cleared, say): the command would end
 * only when it fires. Timers are followed from creation to their end with async_hooks; one that
 * is unref'd (AbortSignal.timeout's) does not hold the process and is not counted.
 */
async function timersLeftBy(run: () => Promise<unknown>): Promise<number> {
  const pending = new Map<number, { hasRef?: () => boolean }>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type === 'Timeout') pending.set(asyncId, resource as { hasRef?: () => boolean });
    },
    destroy(asyncId) {
      pending.delete(asyncId);
    },
  });
  hook.enable();
  try {
    await run();
    // Timers cleared at the very end are destroyed on the next turn of the loop.
    await new Promise((resolve) => setImmediate(resolve));
    return [...pending.values()].filter((timer) => timer.hasRef?.() !== false).length;
  } finally {
    hook.disable();
  }
}

const scratch = mkdtempSync(path.join(tmpdir(), 'spendsense-ends-'));
const emptyPath = mkdtempSync(path.join(scratch, 'empty-path-'));
let refused: number;
let silent: FaultServer;

beforeAll(async () => {
  refused = await refusingPort();
  silent = await silentServer();
});
afterAll(async () => {
  await silent.close();
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Credentials, and an AWS endpoint where nothing listens. */
function refusingAws(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${refused}`);
}

describe('a program that cannot be started leaves no timer behind', () => {
  test.each([
    [
      'runBounded',
      () => runBounded('spendsense-no-such-program', [], { timeoutMillis: 60_000 }).catch(() => 0),
    ],
    [
      'runProcess (PostgreSQL programs)',
      () => runProcess('spendsense-no-such-program', [], { timeoutMillis: 60_000 }).catch(() => 0),
    ],
    [
      'the tunnel tool probe',
      () => createToolProbe({ env: { PATH: emptyPath }, timeoutMillis: 60_000 })('aws', []),
    ],
  ])('%s', async (_name, run) => {
    expect(await timersLeftBy(run)).toBe(0);
  });
});

describe('each command, once it has answered, leaves nothing running', () => {
  const template = path.join(scratch, 'template.json');
  writeFileSync(template, JSON.stringify({ Resources: {} }));

  test.each([
    {
      name: 'tunnel without the AWS CLI and its plugin',
      args: () => ['tunnel', '--stage', 'dev'],
      exitCode: ExitCode.MissingTool,
      setUp: () => vi.stubEnv('PATH', emptyPath),
    },
    {
      name: 'check against a refused port',
      args: () => ['check', '--url', `postgresql://u:p@127.0.0.1:${refused}/d`],
      exitCode: ExitCode.ConnectionRefused,
    },
    {
      name: 'check against a server that never answers',
      args: () => [
        'check',
        '--url',
        `postgresql://u:p@127.0.0.1:${silent.port}/d`,
        '--timeout-ms',
        '200',
      ],
      exitCode: ExitCode.NoAnswer,
    },
    {
      name: 'cost with a template',
      args: () => ['cost', '--stage', 'dev', '--template', template],
      exitCode: ExitCode.Ok,
    },
    {
      name: 'verify with AWS refusing the connection',
      args: () => ['verify', '--stage', 'dev'],
      exitCode: ExitCode.ConnectionRefused,
      setUp: () => refusingAws(),
    },
    {
      name: 'info with AWS refusing the connection',
      args: () => ['info', '--stage', 'dev', '--json'],
      exitCode: ExitCode.ConnectionRefused,
      setUp: () => refusingAws(),
    },
    {
      name: 'local start in a folder that cannot exist',
      args: () => ['local', 'start', '--state-dir', '/dev/null/state'],
      exitCode: ExitCode.LocalStateUnusable,
    },
    {
      name: 'local status of a folder that does not exist',
      args: () => ['local', 'status', '--state-dir', path.join(scratch, 'nothing-here')],
      exitCode: ExitCode.Ok,
    },
  ])('$name', async ({ args, exitCode, setUp }) => {
    clearConnectionVariables();
    setUp?.();
    let exit: number | undefined;
    const left = await timersLeftBy(async () => {
      exit = (await runCli(args())).exitCode;
    });
    expect(exit).toBe(exitCode);
    expect(left).toBe(0);
  });
});
