import type { Command } from 'commander';
import { registerResetCommand } from './reset.js';
import { registerStartCommand } from './start.js';
import { registerStatusCommand } from './status.js';
import { registerStopCommand } from './stop.js';
import { registerUrlCommand } from './url.js';

/** `spendsense-db local …`: the local PostgreSQL 15 that behaves like the RDS one. */
export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description(
      'a local PostgreSQL 15 that behaves like RDS (TLS required, scram-sha-256), kept running in the background',
    );
  registerStartCommand(local);
  registerStopCommand(local);
  registerStatusCommand(local);
  registerUrlCommand(local);
  registerResetCommand(local);
}
