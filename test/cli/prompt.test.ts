import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CliError, ExitCode } from '../../src/cli/exit-codes.js';
import { ask } from '../../src/cli/ui/prompt.js';

/** A stand-in terminal: readline reads keys from it in raw mode, as from a real one. */
function terminal(): PassThrough & { isTTY: boolean; setRawMode: () => void } {
  return Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
}

describe('a prompt on a terminal', () => {
  test.each([
    ['an answer', 'yes\r', { answer: 'yes' }],
    ['Ctrl-D (end of input)', '\x04', { answer: undefined }],
    ['Ctrl-C', '\x03', { exitCode: ExitCode.Cancelled }],
  ] as const)('%s', async (_name, keys, expected) => {
    const input = terminal();
    const output = new PassThrough();
    const asked = ask('Type "yes": ', 'Cancelled: nothing was changed.', { input, output });
    input.write(keys);
    const outcome = await asked.then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error }),
    );
    if ('exitCode' in expected) {
      expect('error' in outcome && outcome.error).toBeInstanceOf(CliError);
      const error = (outcome as { error: CliError }).error;
      expect(error.exitCode).toBe(expected.exitCode);
      expect(error.message).toBe('Cancelled: nothing was changed.');
    } else {
      expect(outcome).toEqual(expected);
    }
  });
});

const CLI = fileURLToPath(new URL('../../bin/spendsense-db.js', import.meta.url));
const hasScript = await new Promise<boolean>((resolve) =>
  spawn('script', ['--version'])
    .once('error', () => resolve(false))
    .once('exit', (code) => resolve(code === 0)),
);

/**
 * `local reset` under a real pseudo-terminal (util-linux `script`), keys typed at its prompt.
 * Skipped where `script` is missing.
 */
describe.skipIf(!hasScript)('the local reset prompt, on a real terminal', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'spendsense-prompt-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  function resetTyping(keys: string): Promise<{ exitCode: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      const command = `${process.execPath} ${CLI} local reset --state-dir ${folder}`;
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      let typed = false;
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        if (!typed && output.includes('Type "yes" to go on')) {
          typed = true;
          child.stdin.write(keys);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', reject);
      child.once('close', (exitCode) => resolve({ exitCode, output }));
    });
  }

  test.each([
    ['Ctrl-C', '\x03', ExitCode.Cancelled, 'Reset cancelled (Ctrl-C): nothing was deleted.'],
    [
      'Ctrl-D',
      '\x04',
      ExitCode.LocalNotConfirmed,
      'Reset cancelled (end of input): nothing was deleted.',
    ],
    [
      '"no"',
      'no\r',
      ExitCode.LocalNotConfirmed,
      'Reset cancelled (the answer was not "yes"): nothing was deleted.',
    ],
  ])(
    '%s: a clean cancel, never an internal error, and nothing deleted',
    async (_name, keys, exitCode, message) => {
      await writeFile(path.join(folder, 'password'), 'KeepMe0123456789\n');
      const run = await resetTyping(keys);
      expect(run.exitCode).toBe(exitCode);
      expect(run.output).toContain(`error: ${message}`);
      expect(run.output).not.toContain('internal error');
      expect(await readFile(path.join(folder, 'password'), 'utf8')).toBe('KeepMe0123456789\n');
    },
  );
});
