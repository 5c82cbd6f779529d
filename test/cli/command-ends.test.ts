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
 * may still be pending (a spawn timeout never cleared, say): it would hold the process open
 * until it fires. Timers are followed from creation to their end with async_hooks.
 */
async function timersLeftBy(run: () => Promise<unknown>): Promise<number> {
  const pending = new Set<number>();
  const hook = createHook({
    init(asyncId, type) {
      if (type === 'Timeout') pending.add(asyncId);
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
    return pending.size;
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
