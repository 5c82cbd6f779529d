import type { Command } from 'commander';
import { CliError, ExitCode } from '../../exit-codes.js';
import { localCommand } from '../printed-commands.js';
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
        `The local database in ${server.paths.root} is deleted; \`${localCommand('start', server.paths.root)}\` creates a fresh one.\n`,
      );
    });
}

async function confirm(root: string): Promise<void> {
  const { ask, canPrompt } = await import('../../ui/prompt.js');
  if (!canPrompt()) {
    throw new CliError(
      'Refusing to delete the local database without confirmation (no terminal to ask on).',
      ExitCode.LocalNotConfirmed,
      `Run \`${localCommand('reset', root, '--yes')}\` to delete it.`,
    );
  }
  const answer = await ask(
    `This deletes the local database in ${root}, with all its data. Type "yes" to go on: `,
    'Reset cancelled (Ctrl-C): nothing was deleted.',
  );
  if (answer?.trim().toLowerCase() !== 'yes') {
    throw new CliError(
      `Reset cancelled (${answer === undefined ? 'end of input' : 'the answer was not "yes"'}): nothing was deleted.`,
      ExitCode.LocalNotConfirmed,
      `Type yes at the prompt, or run \`${localCommand('reset', root, '--yes')}\`.`,
    );
  }
}
