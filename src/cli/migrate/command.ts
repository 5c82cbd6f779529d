import path from 'node:path';
import type { Command } from 'commander';
import { STAGES } from '../../shared/names.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseIntegerFlag, PORT_RANGE } from '../integer-flag.js';
import { STATE_DIR_DESCRIPTION, STATE_DIR_FLAG } from '../local/commands/flags.js';
import { PROJECT_MIGRATIONS_FOLDER } from '../project-root.js';
import { cliCommand } from '../ui/shell-command.js';
import type { MigrateCommandOptions, MigrationTargetFlags } from './run-migrate.js';

interface MigrateFlags {
  readonly url?: string;
  readonly stage?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly port?: string;
  readonly stateDir?: string;
  readonly dir?: string;
  readonly ca?: string[];
  readonly lockTimeoutMs: string;
  readonly statementTimeoutMs: string;
  readonly lockWaitMs: string;
  readonly json?: boolean;
}

const TIMEOUT_RANGE = { min: 1, max: 3_600_000, example: 5000 };
const COUNT_RANGE = { min: 1, max: 10_000, example: 1 };

/**
 * `spendsense-db migrate up|down|status|create`: the repository's migrations (migrations/)
 * against the local database, a `--url`, or a deployed stage through the tunnel.
 */
export function registerMigrateCommand(program: Command): void {
  const migrate = program
    .command('migrate')
    .description(
      'apply, undo, list or create schema migrations (migrations/), as spendsense_migrator: the local database by default, --url, or --stage through `spendsense-db tunnel`',
    )
    .addHelpText(
      'after',
      '\nExit codes 90-99 are migration failures: see docs/cli.md. How to write one: docs/migrations.md.',
    );

  withTargetFlags(
    migrate
      .command('up')
      .description('apply every pending migration, in order')
      .option('--count <n>', 'apply only the next <n>'),
  ).action(async (flags: MigrateFlags & { count?: string }) => {
    await run({ action: 'up', count: optionalCount(flags.count), ...common(flags) });
  });

  withTargetFlags(
    migrate
      .command('down')
      .description('undo the last applied migration (or the last <count>), never past the first')
      .argument('[count]', 'how many to undo', '1'),
  ).action(async (count: string, flags: MigrateFlags) => {
    await run({
      action: 'down',
      count: parseIntegerFlag('count', count, COUNT_RANGE),
      ...common(flags),
    });
  });

  withTargetFlags(
    migrate
      .command('status')
      .description('list applied migrations (with checksums) and pending ones'),
  ).action(async (flags: MigrateFlags) => {
    await run({ action: 'status', ...common(flags) });
  });

  migrate
    .command('create')
    .description('write a new, empty migration file named <number>_<name>.sql')
    .argument('<name>', 'lower-case words joined by underscores, such as add_transactions_table')
    .option('--dir <folder>', 'the migrations folder (default: migrations/ in the project)')
    .option('--json', 'print the new file as JSON')
    .action(async (name: string, flags: { dir?: string; json?: boolean }) => {
      const { createMigration } = await import('./run-migrate.js');
      await createMigration(name, migrationsFolder(flags.dir), flags.json === true);
    });
}

function withTargetFlags(command: Command): Command {
  return command
    .option('--url <url>', 'a postgresql:// URL (the migrator, or a user that may SET ROLE to it)')
    .option(
      '--stage <stage>',
      `a deployed stage (${STAGES.join(' or ')}) through \`spendsense-db tunnel --stage <stage>\`: with --port, the tunnel's local port`,
    )
    .option('--port <port>', "with --stage: the tunnel's local port")
    .option('--region <region>', 'with --stage: AWS region (default: standard AWS resolution)')
    .option('--profile <profile>', 'with --stage: AWS profile (default: standard AWS resolution)')
    .option(STATE_DIR_FLAG, `without --url and --stage: ${STATE_DIR_DESCRIPTION}`)
    .option('--dir <folder>', 'the migrations folder (default: migrations/ in the project)')
    .option(
      '--ca <file>',
      'with --url or --stage: trust this CA (PEM) besides the RDS CAs; repeatable',
      (file: string, previous: string[] | undefined) => [...(previous ?? []), file],
    )
    .option('--lock-timeout-ms <ms>', 'lock_timeout of each migration statement', '5000')
    .option('--statement-timeout-ms <ms>', 'statement_timeout of each migration statement', '60000')
    .option('--lock-wait-ms <ms>', 'how long to wait for another migration run to finish', '30000')
    .option('--json', 'print the result as JSON on stdout');
}

function common(flags: MigrateFlags): Omit<MigrateCommandOptions, 'action' | 'count'> {
  return {
    target: targetOf(flags),
    directory: migrationsFolder(flags.dir),
    caFiles: flags.ca ?? [],
    lockTimeoutMillis: parseIntegerFlag('--lock-timeout-ms', flags.lockTimeoutMs, TIMEOUT_RANGE),
    statementTimeoutMillis: parseIntegerFlag(
      '--statement-timeout-ms',
      flags.statementTimeoutMs,
      TIMEOUT_RANGE,
    ),
    lockWaitMillis: parseIntegerFlag('--lock-wait-ms', flags.lockWaitMs, TIMEOUT_RANGE),
    json: flags.json === true,
  };
}

function targetOf(flags: MigrateFlags): MigrationTargetFlags {
  if (flags.url !== undefined && flags.stage !== undefined) {
    throw new CliError(
      '--url and --stage: choose one.',
      ExitCode.Usage,
      `--url for any database you can reach, --stage with --port for a deployed stage through \`${cliCommand(['tunnel', '--stage', '<stage>'])}\`.`,
    );
  }
  const awsOnly = (['region', 'profile', 'port'] as const).filter(
    (key) => flags[key] !== undefined,
  );
  if (flags.stage === undefined && awsOnly.length > 0) {
    throw new CliError(
      `--${awsOnly.join(', --')} apply only with --stage.`,
      ExitCode.Usage,
      `Add --stage <stage> (through \`${cliCommand(['tunnel', '--stage', '<stage>'])}\`), or leave them out.`,
    );
  }
  if (flags.url !== undefined) return { kind: 'url', url: flags.url };
  if (flags.stage !== undefined) {
    if (!(STAGES as readonly string[]).includes(flags.stage)) {
      throw new CliError(
        `--stage must be ${STAGES.join(' or ')}. Got ${JSON.stringify(flags.stage)}.`,
        ExitCode.Usage,
        `\`${cliCommand(['migrate', 'up', '--help'])}\` lists the options.`,
      );
    }
    if (flags.port === undefined) {
      throw new CliError(
        `--stage ${flags.stage} reaches the database through a tunnel, and needs its local port (--port).`,
        ExitCode.Usage,
        `Open one with \`${cliCommand([
          'tunnel',
          '--stage',
          flags.stage,
          ...(flags.region === undefined ? [] : ['--region', flags.region]),
          ...(flags.profile === undefined ? [] : ['--profile', flags.profile]),
        ])}\` in another terminal; it prints the migrate command with its port.`,
      );
    }
    return {
      kind: 'stage',
      stage: flags.stage,
      port: parseIntegerFlag('--port', flags.port, PORT_RANGE),
      ...(flags.region !== undefined && { region: flags.region }),
      ...(flags.profile !== undefined && { profile: flags.profile }),
    };
  }
  return { kind: 'local', ...(flags.stateDir !== undefined && { stateDir: flags.stateDir }) };
}

function optionalCount(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseIntegerFlag('--count', value, COUNT_RANGE);
}

function migrationsFolder(dir: string | undefined): string {
  return dir === undefined ? PROJECT_MIGRATIONS_FOLDER : path.resolve(dir);
}

async function run(options: MigrateCommandOptions): Promise<void> {
  const { runMigrateCommand } = await import('./run-migrate.js');
  await runMigrateCommand(options);
}
