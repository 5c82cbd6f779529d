import type { Command } from 'commander';
import { STAGES } from '../../shared/names.js';

/**
 * Declares `--stage`, `--region` and `--profile` on `command`, for every command that reads a
 * deployed stage; `parseStackOptions` (in stack-options.ts, loaded by the action: it needs the
 * schema library) validates them.
 */
export function addStackOptions(command: Command): Command {
  return command
    .requiredOption('--stage <stage>', `the deployed stage: ${STAGES.join(' or ')}`)
    .option('--region <region>', 'AWS region of the stack (default: standard AWS resolution)')
    .option('--profile <profile>', 'AWS profile (default: standard AWS resolution)');
}
