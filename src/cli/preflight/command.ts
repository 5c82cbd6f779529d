import type { Command } from 'commander';
import { addStackOptions } from '../aws/stack-flags.js';

interface PreflightFlags {
  readonly stage?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly json?: boolean;
  readonly allowReplacement?: boolean;
  readonly cdkOut?: string;
}

export function registerPreflightCommand(program: Command): void {
  addStackOptions(
    program
      .command('preflight')
      .description(
        'check the AWS account before `cdk deploy`: credentials, bootstrap, quotas, zones, names, stack state, and a change set that must not replace the data (creates nothing)',
      ),
  )
    .option('--json', 'print the results as JSON on stdout')
    .option(
      '--allow-replacement',
      'report a change that replaces or deletes the instance, its subnet group or the key as a warning instead of a failure (deliberate replacements only)',
    )
    .option(
      '--cdk-out <dir>',
      'read the stage from this cloud assembly (cdk synth -o DIR) instead of synthesizing cdk.out',
    )
    .addHelpText(
      'after',
      '\nExit 0 when nothing failed (warnings do not fail); otherwise the code of the first failed line (80-86, 13, 53). See docs/cli.md.',
    )
    .action(async (flags: PreflightFlags) => {
      const { parseStackOptions } = await import('../aws/stack-options.js');
      const options = parseStackOptions(flags);
      // Loaded on use: the AWS SDK is the heaviest part of the CLI.
      const { runPreflight } = await import('./run-preflight.js');
      await runPreflight({
        ...options,
        json: flags.json === true,
        allowReplacement: flags.allowReplacement === true,
        ...(flags.cdkOut !== undefined && { cdkOutDir: flags.cdkOut }),
      });
    });
}
