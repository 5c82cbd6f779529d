import type { Command } from 'commander';
import { resolveStateDir } from '../paths.js';
import { printJson, STATE_DIR_DESCRIPTION, STATE_DIR_FLAG, type LocalFlags } from './flags.js';

interface StatusFlags extends LocalFlags {
  readonly json?: boolean;
}

export function registerStatusCommand(local: Command): void {
  local
    .command('status')
    .description(
      'say whether the local database runs, with its port, data folder and version (exits 0 whatever the state)',
    )
    .option(STATE_DIR_FLAG, STATE_DIR_DESCRIPTION)
    .option('--json', 'print the status as JSON')
    .action(async (flags: StatusFlags) => {
      const { LocalServer } = await import('../local-server.js');
      const { localConnectionUrl } = await import('../connection-url.js');
      const server = new LocalServer({ stateDir: resolveStateDir(flags.stateDir) });
      const status = await server.status();
      // The URL is a convenience: a part of the state it needs may be missing or unreadable.
      const url =
        status.initialised === true
          ? await server
              .connection()
              .then((connection) => localConnectionUrl(connection, { reveal: false }))
              .catch(() => undefined)
          : undefined;
      if (flags.json === true) {
        printJson({
          ...status,
          url: url ?? null,
          port: status.port ?? null,
          pid: status.pid ?? null,
          problem: status.problem ?? null,
        });
        return;
      }
      const rows: [string, string][] = [
        ['state', status.state.replace('-', ' ')],
        ['port', status.port === undefined ? '-' : String(status.port)],
        ['pid', status.pid === undefined ? '-' : String(status.pid)],
        ['version', `PostgreSQL ${status.version}`],
        ['data', status.dataDir],
        ['url', url ?? '-'],
        ...(status.problem === undefined ? [] : [['note', status.problem] as [string, string]]),
      ];
      process.stdout.write(rows.map(([name, value]) => `${name.padEnd(9)}${value}\n`).join(''));
    });
}
