import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CliRun } from './run-cli.js';
import { runCli } from './run-cli.js';

const execFileAsync = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/spendsense-db.js', import.meta.url));

/** The unprivileged user tests run the CLI as when they themselves run as root. */
export const TEST_USER = 'spendsense-tester';

/** Runs `spendsense-db` as a normal (not root) user. */
export interface UnprivilegedCli {
  readonly run: (args: readonly string[]) => Promise<CliRun>;
  /** Runs a program (chmod, ...) as that user. */
  readonly exec: (command: string, args: readonly string[]) => Promise<void>;
  readonly uid: number;
  readonly gid: number;
}

/**
 * The CLI as a normal user. Not root already: this process, as is. As root: a child process
 * run by `runuser` as {@link TEST_USER}, created (`useradd`) when missing. Undefined, with the
 * reason, when neither is possible, so the caller can skip and say why.
 */
export async function unprivilegedCli(): Promise<UnprivilegedCli | string> {
  const uid = process.getuid?.();
  if (uid === undefined) return 'no user ids on this platform';
  if (uid !== 0) {
    return {
      run: runCli,
      exec: async (command, args) => void (await execFileAsync(command, [...args])),
      uid,
      gid: process.getgid?.() ?? uid,
    };
  }
  const ids = await userIds(TEST_USER)
    .catch(async () => {
      await execFileAsync('useradd', ['--create-home', TEST_USER]);
      return userIds(TEST_USER);
    })
    .catch(() => undefined);
  if (ids === undefined)
    return `running as root, and user ${TEST_USER} cannot be created (useradd)`;
  const runuser = await execFileAsync('runuser', ['--help']).then(
    () => true,
    () => false,
  );
  if (!runuser) return 'running as root, and runuser is missing to switch users';
  return {
    run: (args) => runAs(['-u', TEST_USER, '--', process.execPath, CLI, ...args]),
    exec: async (command, args) =>
      void (await execFileAsync('runuser', ['-u', TEST_USER, '--', command, ...args])),
    ...ids,
  };
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    execFileAsync('id', ['-u', name]),
    execFileAsync('id', ['-g', name]),
  ]);
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

function runAs(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('runuser', [...args], { cwd: '/tmp', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ exitCode: exitCode ?? -1, stdout, stderr }));
  });
}
