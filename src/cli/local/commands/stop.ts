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
      const root = server.paths.root;
      process.stdout.write(
        wasRunning === undefined
          ? `There is no local database in ${root}: nothing to stop.\n`
          : wasRunning
            ? `The local database in ${root} is stopped.\n`
            : `The local database in ${root} was not running.\n`,
      );
    });
}
