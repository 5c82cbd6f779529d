import type { Command } from 'commander';
import {
  parsePortFlag,
  reportRepair,
  STATE_DIR_DESCRIPTION,
  STATE_DIR_FLAG,
} from '../local/commands/flags.js';
import { resolveStateDir } from '../local/paths.js';
import { PROJECT_MIGRATIONS_FOLDER } from '../project-root.js';

interface UpFlags {
  readonly stateDir?: string;
  readonly port?: string;
}

/**
 * `spendsense-db up`, run by `npm start`: start the local database (creating it on first use),
 * check it end to end exactly as `check --local` does, apply the pending migrations of
 * migrations/, and say how to connect.
 */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description(
      'start the local database (created on first use), check it like `check --local` does, apply pending migrations, and print how to connect (npm start)',
    )
    .option('--port <port>', 'TCP port to listen on (default: the previous port, else 5433)')
    .option(STATE_DIR_FLAG, STATE_DIR_DESCRIPTION)
    .action(async (flags: UpFlags) => {
      const port = parsePortFlag('--port', flags.port);
      const [{ LocalServer }, { createProgress }, { localConnectionAs }, check, report, help] =
        await Promise.all([
          import('../local/local-server.js'),
          import('../ui/progress.js'),
          import('../local/roles.js'),
          import('../check/run-check.js'),
          import('../check/print-report.js'),
          import('./connect-instructions.js'),
        ]);
      const progress = createProgress();
      const server = new LocalServer({
        stateDir: resolveStateDir(flags.stateDir),
        ...(port !== undefined && { port }),
        progress,
        onRepair: reportRepair,
      });
      const { connection } = await server.start();
      const { report: result, error } = await check.runCheck({
        localStateDir: server.paths.root,
        caFiles: [],
        insecure: false,
        timeoutMillis: 5000,
        progress,
      });
      process.stdout.write(report.formatReport(result) + '\n');
      if (error !== undefined) throw error;
      const { applyLocalMigrations } = await import('../migrate/run-migrate.js');
      await applyLocalMigrations(server.paths.root, PROJECT_MIGRATIONS_FOLDER);
      const app = await localConnectionAs(connection, server.paths, 'app');
      process.stdout.write(help.connectInstructions(connection, server.paths, app));
    });
}
