import { open, readFile, rm } from 'node:fs/promises';
import { CliError, ExitCode } from '../exit-codes.js';

/**
 * Takes the start lock of a state folder: a file created exclusively, holding our pid. A lock
 * left by a process that no longer exists is taken over. Returns the function that releases it.
 */
export async function acquireStartLock(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await lockHolder(lockFile);
      if (holder !== undefined && isAlive(holder)) {
        throw new CliError(
          `Another \`spendsense-db local start\` (pid ${holder}) is starting this database right now.`,
          ExitCode.LocalAlreadyRunning,
          'Wait for it to finish, then run `spendsense-db local status`.',
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new CliError(`Could not take the start lock ${lockFile}.`, ExitCode.LocalAlreadyRunning);
}

async function lockHolder(lockFile: string): Promise<number | undefined> {
  const text = await readFile(lockFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
