import { spawn } from 'node:child_process';
import type { ServerUser } from './server-user.js';

export interface RunOptions {
  /** Run as this user (when the CLI runs as root). @default - the current user */
  readonly user?: ServerUser;
  readonly cwd?: string;
  /** Written to the program's standard input, then closed. */
  readonly input?: string;
  readonly timeoutMillis: number;
}

export interface RunResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a PostgreSQL program to completion and collects its output. The environment is reduced
 * to what the programs need: inherited `PG*` variables (PGDATA, PGPORT, ...) would silently
 * change what they do.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: programEnvironment(),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMillis,
      killSignal: 'SIGKILL',
      ...(options.user?.uid !== undefined && { uid: options.user.uid, gid: options.user.gid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      if (signal === 'SIGKILL' && exitCode === null) {
        reject(new Error(`${command} did not finish within ${options.timeoutMillis} ms`));
        return;
      }
      resolve({ exitCode, stdout, stderr });
    });
    if (options.input !== undefined && child.stdin !== null) {
      // A program that exits without reading its input closes the pipe: not an error here.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

function programEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { LC_ALL: 'C' };
  for (const name of ['PATH', 'TZ', 'SYSTEMROOT', 'TEMP', 'TMP']) {
    const value = process.env[name];
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}
