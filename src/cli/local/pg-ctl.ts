import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { redactSecrets } from '../../runtime/redact.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { PostgresBinaries } from './binaries.js';
import type { LocalStatePaths } from './paths.js';
import { runProcess } from './run-process.js';
import type { ServerUser } from './server-user.js';

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
 * once the server accepts connections.
 */
export async function pgCtlStart(
  context: PgCtlContext,
  serverOptions: string,
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
  const log = redactSecrets(await readFrom(paths.logFile, logOffset), [context.password]);
  throw startFailure(log, paths);
}

function startFailure(log: string, paths: LocalStatePaths): CliError {
  const lastLines = log.trim().split('\n').slice(-3).join(' | ');
  if (/could not bind|address already in use|could not create any TCP\/IP sockets/i.test(log)) {
    return new CliError(
      'PostgreSQL could not listen on its port: another program is using it.',
      ExitCode.LocalPortInUse,
      'Start on another port with `spendsense-db local start --port <n>`, or stop the program using it.',
    );
  }
  if (/lock file .* already exists/i.test(log)) {
    return new CliError(
      'Another PostgreSQL server is already using this data folder.',
      ExitCode.LocalAlreadyRunning,
      'Run `spendsense-db local status`.',
    );
  }
  return new CliError(
    `PostgreSQL did not start: ${lastLines || 'no log output'}`,
    ExitCode.LocalDataDamaged,
    `See ${paths.logFile}. If the data folder is damaged, \`spendsense-db local reset\` starts afresh (it deletes the data).`,
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
  if (!(await pgCtlIsRunning(context))) return;
  throw new CliError(
    `PostgreSQL did not stop within ${timeoutSeconds} s: ${result.stderr.trim()}`,
    ExitCode.Internal,
    `See ${context.paths.logFile}.`,
  );
}

/** True when a live postmaster owns the data folder (pg_ctl status exits 0). */
export async function pgCtlIsRunning(context: PgCtlContext): Promise<boolean> {
  const result = await runProcess(context.binaries.pgCtl, ['status', '-D', context.paths.dataDir], {
    user: context.user,
    cwd: context.paths.root,
    timeoutMillis: 10_000,
  });
  return result.exitCode === 0;
}

/** The pid and port in postmaster.pid (lines 1 and 4), when the file exists. */
export async function readPostmasterPid(
  dataDir: string,
): Promise<{ pid: number; port: number } | undefined> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  return Number.isInteger(pid) && Number.isInteger(port) ? { pid, port } : undefined;
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
