import path from 'node:path';
import type { Command } from 'commander';
import { addStackOptions } from '../aws/stack-flags.js';

interface VerifyFlags {
  readonly stage?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly local?: boolean;
  readonly json?: boolean;
  readonly dir?: string;
}

export function registerVerifyCommand(program: Command): void {
  addStackOptions(
    program
      .command('verify')
      .description(
        'check every acceptance criterion against the deployed stack (AWS read-only), with evidence per line',
      ),
  )
    .option('--local', 'also run `check` from this machine against the live database (AC6)')
    .option('--json', 'print the results as JSON on stdout')
    .option(
      '--dir <folder>',
      'the migrations the deployed schema must have reached (default: migrations/ in the project)',
    )
    .addHelpText(
      'after',
      '\nExit 0 when nothing failed (skips do not fail). Exit codes: see docs/cli.md.',
    )
    .action(async (flags: VerifyFlags) => {
      const { parseStackOptions } = await import('../aws/stack-options.js');
      const options = parseStackOptions(flags);
      // Loaded on use: the AWS SDK is the heaviest part of the CLI.
      const [{ runVerify }, { checkFromThisMachine }] = await Promise.all([
        import('./run-verify.js'),
        import('./local-check.js'),
      ]);
      await runVerify({
        ...options,
        json: flags.json === true,
        ...(flags.dir !== undefined && { migrationsDirectory: path.resolve(flags.dir) }),
        ...(flags.local === true && { localCheck: checkFromThisMachine }),
      });
    });
}
