import type { Command } from 'commander';
import { addStackOptions } from '../aws/stack-flags.js';
import { CliError, ExitCode } from '../exit-codes.js';

interface InfoFlags {
  readonly stage?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly output?: string;
}

export function registerInfoCommand(program: Command): void {
  addStackOptions(
    program
      .command('info')
      .description(
        'show the deployed stage: endpoint, secret names and ARNs, security groups, key, console links, ready-to-paste commands',
      ),
  )
    .option('--json', 'print the same data as JSON on stdout')
    .option('--markdown', 'write the environment page, docs/environments/<stage>.md')
    .option('--output <file>', 'with --markdown: write this file instead (- for stdout)')
    .addHelpText(
      'after',
      '\nNeeds only cloudformation:DescribeStacks. Exit codes: see docs/cli.md.',
    )
    .action(async (flags: InfoFlags) => {
      const { parseStackOptions } = await import('../aws/stack-options.js');
      const options = parseStackOptions(flags);
      if (flags.json === true && flags.markdown === true) {
        throw new CliError(
          '--json and --markdown: choose one.',
          ExitCode.Usage,
          '--json prints the data for scripts; --markdown writes the environment page.',
        );
      }
      if (flags.output !== undefined && flags.markdown !== true) {
        throw new CliError(
          '--output: only with --markdown.',
          ExitCode.Usage,
          'Add --markdown to write the environment page to that file, or leave out --output.',
        );
      }
      const { runInfo } = await import('./run-info.js');
      await runInfo({
        ...options,
        format: formatOf(flags),
        ...(flags.output !== undefined && { output: flags.output }),
      });
    });
}

function formatOf(flags: InfoFlags): 'text' | 'json' | 'markdown' {
  if (flags.json === true) return 'json';
  if (flags.markdown === true) return 'markdown';
  return 'text';
}
