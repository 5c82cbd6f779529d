import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../../exit-codes.js';
import { resolveStateDir } from '../paths.js';
import { STATE_DIR_DESCRIPTION, STATE_DIR_FLAG, type LocalFlags } from './flags.js';

interface ResetFlags extends LocalFlags {
  readonly yes?: boolean;
}

export function registerResetCommand(local: Command): void {
  local
    .command('reset')
    .description('stop the local database and delete it: data, certificates and password')
    .option('-y, --yes', 'do not ask for confirmation')
    .option(STATE_DIR_FLAG, STATE_DIR_DESCRIPTION)
    .action(async (flags: ResetFlags) => {
      const { LocalServer } = await import('../local-server.js');
      const { createProgress } = await import('../../ui/progress.js');
      const server = new LocalServer({
        stateDir: resolveStateDir(flags.stateDir),
        progress: createProgress(),
      });
      if (flags.yes !== true) await confirm(server.paths.root);
      await server.reset();
      process.stdout.write(
        'The local database is deleted; `spendsense-db local start` creates a fresh one.\n',
      );
    });
}

async function confirm(root: string): Promise<void> {
  if (process.stdin.isTTY !== true) {
    throw new CliError(
      'Refusing to delete the local database without confirmation (no terminal to ask on).',
      ExitCode.LocalNotConfirmed,
      'Run `spendsense-db local reset --yes` to delete it.',
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `This deletes the local database in ${root}, with all its data. Type "yes" to go on: `,
    );
    if (answer.trim().toLowerCase() !== 'yes') {
      throw new CliError('Reset cancelled: nothing was deleted.', ExitCode.LocalNotConfirmed);
    }
  } finally {
    prompt.close();
  }
}
