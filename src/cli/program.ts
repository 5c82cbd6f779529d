import { Command } from 'commander';
import { registerCheckCommand } from './check/command.js';
import { registerCostCommand } from './cost/command.js';
import { registerInfoCommand } from './info/command.js';
import { registerLocalCommand } from './local/commands/index.js';
import { registerPreflightCommand } from './preflight/command.js';
import { registerTunnelCommand } from './tunnel/command.js';
import { registerUpCommand } from './up/command.js';
import { registerVerifyCommand } from './verify/command.js';

/**
 * Builds the `spendsense-db` command tree. Each command lives in its own folder under
 * src/cli and exports a `register…Command(program)` function that adds itself here.
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
  registerPreflightCommand(program);
  registerVerifyCommand(program);
  registerInfoCommand(program);
  registerCostCommand(program);
  registerTunnelCommand(program);

  return program;
}
