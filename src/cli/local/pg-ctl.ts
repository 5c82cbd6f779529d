import { open, stat } from 'node:fs/promises';
import { redactSecrets } from '../../runtime/redact.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { PostgresBinaries } from './binaries.js';
import type { LocalStatePaths } from './paths.js';
import { postmasterState } from './postmaster.js';
import { localCommand } from './printed-commands.js';
import { runProcess } from './run-process.js';
import type { ServerUser } from './server-user.js';
import { startFailure } from './start-failure.js';

export interface PgCtlContext {
  readonly binaries: PostgresBinaries;
  readonly paths: LocalStatePaths;
  readonly user: ServerUser;
  /** Masked out of any server log text that reaches an error message. */
  readonly password?: string;
}

/**
 * Starts the server in the background with `pg_ctl start -w`: pg_ctl detaches the postmaster
 * (its own session, output to server.log), so it keeps running after the CLI exits, and returns
 * once the server accepts connections. A failure is named by its cause (see `startFailure`).
 */
export async function pgCtlStart(
  context: PgCtlContext,
  serverOptions: string,
  port: number,
  timeoutMillis: number,
): Promise<void> {
  const { paths } = context;
  const logOffset = await fileSize(paths.logFile);
  const timeoutSeconds = Math.max(1, Math.ceil(timeoutMillis / 1000));
  const result = await runProcess(
    context.binaries.pgCtl,
    [
      'start',
      '-w',
      '-t',
      String(timeoutSeconds),
      '-D',
      paths.dataDir,
      '-l',
      paths.logFile,
      '-o',
      serverOptions,
    ],
    { user: context.user, cwd: paths.root, timeoutMillis: timeoutMillis + 5000 },
  );
  if (result.exitCode === 0) return;
  const scrub = (text: string): string => redactSecrets(text, [context.password]);
  throw startFailure(
    {
      log: scrub(await readFrom(paths.logFile, logOffset)),
      pgCtlOutput: scrub(result.output),
      port,
    },
    paths,
  );
}

/** Stops the server with a fast shutdown (clients disconnected, a clean checkpoint written). */
export async function pgCtlStop(context: PgCtlContext, timeoutMillis: number): Promise<void> {
  const timeoutSeconds = Math.max(1, Math.ceil(timeoutMillis / 1000));
  const result = await runProcess(
    context.binaries.pgCtl,
    ['stop', '-m', 'fast', '-w', '-t', String(timeoutSeconds), '-D', context.paths.dataDir],
    { user: context.user, cwd: context.paths.root, timeoutMillis: timeoutMillis + 5000 },
  );
  if (result.exitCode === 0) return;
  if ((await postmasterState(context.paths.dataDir)).kind !== 'running') return;
  throw new CliError(
    `PostgreSQL did not stop within ${timeoutSeconds} s: ${result.output.trim().split('\n').at(-1) ?? ''}`,
    ExitCode.LocalServerStuck,
    `See ${context.paths.logFile}; run \`${localCommand('stop', context.paths.root)}\` again once long-running statements have ended.`,
  );
}

async function fileSize(file: string): Promise<number> {
  return stat(file).then(
    (info) => info.size,
    () => 0,
  );
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size - offset, 64 * 1024);
    if (length <= 0) return '';
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
