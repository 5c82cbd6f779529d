import type { Command } from 'commander';
import { resolveStateDir } from '../paths.js';
import {
  parsePortFlag,
  printJson,
  reportRepair,
  STATE_DIR_DESCRIPTION,
  STATE_DIR_FLAG,
  type LocalFlags,
} from './flags.js';

interface StartFlags extends LocalFlags {
  readonly port?: string;
  readonly json?: boolean;
}

export function registerStartCommand(local: Command): void {
  local
    .command('start')
    .description(
      'create the local database on first use, then start it in the background (returns once it accepts connections)',
    )
    .option('--port <port>', 'TCP port to listen on (default: the previous port, else 5433)')
    .option(STATE_DIR_FLAG, STATE_DIR_DESCRIPTION)
    .option('--json', 'print the result as JSON')
    .action(async (flags: StartFlags) => {
      const port = parsePortFlag('--port', flags.port);
      const [
        { LocalServer },
        { createProgress },
        { localConnectionUrl },
        { checkLocalCommand, localCommand },
      ] = await Promise.all([
        import('../local-server.js'),
        import('../../ui/progress.js'),
        import('../connection-url.js'),
        import('../printed-commands.js'),
      ]);
      const server = new LocalServer({
        stateDir: resolveStateDir(flags.stateDir),
        ...(port !== undefined && { port }),
        progress: createProgress(),
        onRepair: reportRepair,
      });
      const outcome = await server.start();
      const url = localConnectionUrl(outcome.connection, { reveal: false });
      if (flags.json === true) {
        printJson({
          running: true,
          alreadyRunning: outcome.alreadyRunning,
          created: outcome.created,
          host: outcome.connection.host,
          port: outcome.connection.port,
          stateDir: server.paths.root,
          url,
        });
        return;
      }
      const root = server.paths.root;
      const what = outcome.alreadyRunning ? 'was already running' : 'is running';
      process.stdout.write(
        [
          `The local database ${what} on ${outcome.connection.host}:${outcome.connection.port} (state: ${root}).`,
          `URL: ${url}`,
          `The password is masked; \`${localCommand('url', root, '--reveal')}\` prints the whole URL.`,
          `Check it with \`${checkLocalCommand(root)}\`; stop it with \`${localCommand('stop', root)}\`.`,
          '',
        ].join('\n'),
      );
    });
}
