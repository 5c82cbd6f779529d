import { Command } from 'commander';
import { registerCheckCommand } from './check/command.js';
import { registerCostCommand } from './cost/command.js';
import { registerInfoCommand } from './info/command.js';
import { registerLocalCommand } from './local/commands/index.js';
import { registerMigrateCommand } from './migrate/command.js';
import { registerPreflightCommand } from './preflight/command.js';
import { registerTunnelCommand } from './tunnel/command.js';
import { registerUpCommand } from './up/command.js';
import { registerVerifyCommand } from './verify/command.js';

/**
 * Builds the `spendsense-db` command tree. Each command lives in its own folder under
 * src/cli and exports a `register…Command(program)` function that adds itself here.
 *
 * Registration stays cheap, because every call registers every command (`--help` included):
 * a command's `command.ts` imports statically only `commander` (types), Node built-ins and the
 * small flag helpers (`exit-codes`, `integer-flag`, `local/commands/flags`, `aws/stack-flags`).
 * Its action loads everything else with `await import(…)`: the module that does the work, and
 * through it the packages it needs (the AWS SDK, pg, zod, ora, @peculiar/x509). A package a
 * command needs only on one branch (the Secrets Manager client for `check --secret-id`) is
 * imported on that branch. test/cli/lazy-loading.test.ts holds every command to this, on the
 * bundle `npm run build` makes; docs/cli.md explains the rule and the numbers behind it.
 */
export function buildProgram(): Command {
  const program = new Command('spendsense-db')
    .description(
      'SpendSense database tooling: local PostgreSQL 15, connection checks, deployed-stack verification',
    )
    .version('0.1.0')
    // Usage errors are reported by main() like every other failure (one error: and one hint:
    // line), so commander prints none of its own.
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: () => undefined,
    })
    // Subcommands inherit this: main() maps commander's errors to our exit codes.
    .exitOverride();

  // Commands register here, one line each.
  registerLocalCommand(program);
  registerCheckCommand(program);
  registerUpCommand(program);
  registerMigrateCommand(program);
  registerPreflightCommand(program);
  registerVerifyCommand(program);
  registerInfoCommand(program);
  registerCostCommand(program);
  registerTunnelCommand(program);

  return program;
}
