import { runBounded, type BoundedRunResult } from '../run-bounded.js';
import type { ServerUser } from './server-user.js';

export interface RunOptions {
  /** Run as this user (when the CLI runs as root). @default - the current user */
  readonly user?: ServerUser;
  readonly cwd?: string;
  /** Written to the program's standard input, then closed. */
  readonly input?: string;
  readonly timeoutMillis: number;
}

export type RunResult = BoundedRunResult;

/**
 * Runs a PostgreSQL program to completion and collects its output. The environment is reduced
 * to what the programs need: inherited `PG*` variables (PGDATA, PGPORT, ...) would silently
 * change what they do.
 */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const result = await runBounded(command, args, {
    env: programEnvironment(),
    timeoutMillis: options.timeoutMillis,
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.input !== undefined && { input: options.input }),
    ...(options.user?.uid !== undefined && { uid: options.user.uid, gid: options.user.gid }),
  });
  if (result.timedOut) {
    throw new Error(`${command} did not finish within ${options.timeoutMillis} ms`);
  }
  return result;
}

function programEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { LC_ALL: 'C' };
  for (const name of ['PATH', 'TZ', 'SYSTEMROOT', 'TEMP', 'TMP']) {
    const value = process.env[name];
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}
