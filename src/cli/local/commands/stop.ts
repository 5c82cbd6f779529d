import type { Command } from 'commander';
import { resolveStateDir } from '../paths.js';
import { STATE_DIR_DESCRIPTION, STATE_DIR_FLAG, type LocalFlags } from './flags.js';

export function registerStopCommand(local: Command): void {
  local
    .command('stop')
    .description('stop the local database cleanly (its data is kept)')
    .option(STATE_DIR_FLAG, STATE_DIR_DESCRIPTION)
    .action(async (flags: LocalFlags) => {
      const { LocalServer } = await import('../local-server.js');
      const { createProgress } = await import('../../ui/progress.js');
      const server = new LocalServer({
        stateDir: resolveStateDir(flags.stateDir),
        progress: createProgress(),
      });
      const wasRunning = await server.stop();
      process.stdout.write(
        wasRunning ? 'The local database is stopped.\n' : 'The local database was not running.\n',
      );
    });
}
