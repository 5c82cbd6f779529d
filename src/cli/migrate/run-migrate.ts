import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { buildClientConfig } from '../../runtime/client-config.js';
import { MigrationError, type MigrationErrorKind } from '../../runtime/migrations/errors.js';
import { MIGRATION_TEMPLATE, newMigrationFileName } from '../../runtime/migrations/files.js';
import { migrate, type MigrateResult } from '../../runtime/migrations/runner.js';
import { migrationStatus, type MigrationStatus } from '../../runtime/migrations/status.js';
import { redactConnectionStrings, redactSecrets } from '../../runtime/redact.js';
import { credentialsSecretName, type Stage } from '../../shared/names.js';
import { runCheck } from '../check/run-check.js';
import type { SourceOptions } from '../check/sources.js';
import { resolveTarget } from '../check/sources.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { LocalServer } from '../local/local-server.js';
import { resolveStateDir } from '../local/paths.js';
import { localCommand, stateDirArguments } from '../local/printed-commands.js';
import { PROJECT_MIGRATIONS_FOLDER } from '../project-root.js';
import { localConnectionAs } from '../local/roles.js';
import { TUNNEL_ADDRESS } from '../tunnel/connect-instructions.js';
import { cliCommand } from '../ui/shell-command.js';

export type MigrationTargetFlags =
  | { readonly kind: 'local'; readonly stateDir?: string }
  | { readonly kind: 'url'; readonly url: string }
  | {
      readonly kind: 'stage';
      readonly stage: string;
      readonly port: number;
      readonly region?: string;
      readonly profile?: string;
    };

export interface MigrateCommandOptions {
  readonly action: 'up' | 'down' | 'status';
  readonly count?: number;
  readonly target: MigrationTargetFlags;
  readonly directory: string;
  /** `--ca`: CA files trusted besides the RDS CAs (with --url or --stage). */
  readonly caFiles?: readonly string[];
  readonly lockTimeoutMillis: number;
  readonly statementTimeoutMillis: number;
  readonly lockWaitMillis: number;
  readonly json: boolean;
}

const CONNECT_TIMEOUT_MILLIS = 5000;

/** `migrate up|down|status`: opens the session, runs the action, prints, closes in `finally`. */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<void> {
  const command = migrateCommand(options.target, options.directory);
  const session = await openSession(options.target, options.caFiles ?? []);
  try {
    if (options.action === 'status') {
      const status = await guarded(session.secrets, command, () =>
        migrationStatus(session.client, options.directory),
      );
      printStatus(status, session.label, options.json);
      const broken = status.applied.find(
        (entry) => entry.state === 'edited' || entry.state === 'missing',
      );
      if (broken !== undefined) {
        throw new CliError(
          `Applied migration ${broken.name} is ${broken.state === 'edited' ? 'edited since it ran' : 'missing from the folder'}: \`migrate up\` will refuse to run.`,
          broken.state === 'edited' ? ExitCode.MigrationEdited : ExitCode.MigrationOrder,
          'Restore the file as it was applied (git shows the change); put changes in a new migration.',
        );
      }
      return;
    }
    const result = await guarded(session.secrets, command, () =>
      migrate(session.client, {
        directory: options.directory,
        direction: options.action === 'up' ? 'up' : 'down',
        ...(options.count !== undefined && { count: options.count }),
        lockTimeoutMillis: options.lockTimeoutMillis,
        statementTimeoutMillis: options.statementTimeoutMillis,
        lockWaitMillis: options.lockWaitMillis,
        logger: progressLogger(session.secrets),
      }),
    );
    printResult(options.action, result, session.label, options.json);
  } finally {
    await session.client.end().catch(() => undefined);
  }
}

/**
 * `npm start`'s last step: the repository's pending migrations on the local database, as the
 * migrator. Prints one line; a failure is the same CliError `migrate up` gives.
 */
export async function applyLocalMigrations(
  stateDir: string,
  directory: string,
): Promise<MigrateResult> {
  const target = { kind: 'local', stateDir } as const;
  const session = await openSession(target, []);
  try {
    const result = await guarded(session.secrets, migrateCommand(target, directory), () =>
      migrate(session.client, {
        directory,
        direction: 'up',
        logger: progressLogger(session.secrets),
      }),
    );
    process.stdout.write(
      `migrations: ${result.ran.length === 0 ? 'none pending' : `${result.ran.length} applied`}; schema version ${result.version}\n`,
    );
    return result;
  } finally {
    await session.client.end().catch(() => undefined);
  }
}

/** `migrate create <name>`: a new file from the template, never overwriting one. */
export async function createMigration(
  name: string,
  directory: string,
  json: boolean,
): Promise<void> {
  const fileName = await guarded([], migrateCommand(undefined, directory), async () =>
    newMigrationFileName(name, new Date()),
  );
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, fileName);
  await writeFile(file, MIGRATION_TEMPLATE, { flag: 'wx' });
  if (json) process.stdout.write(`${JSON.stringify({ ok: true, file }, null, 2)}\n`);
  else process.stdout.write(`created ${path.relative(process.cwd(), file) || file}\n`);
}

interface Session {
  readonly client: pg.Client;
  /** Where, password masked. */
  readonly label: string;
  readonly secrets: readonly string[];
}

async function openSession(
  target: MigrationTargetFlags,
  caFiles: readonly string[] = [],
): Promise<Session> {
  const { config, label, secrets, diagnosis } = await clientConfig(target, caFiles);
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw await unreachable(error, label, secrets, diagnosis, caFiles);
  }
  return { client, label, secrets };
}

async function clientConfig(
  target: MigrationTargetFlags,
  caFiles: readonly string[],
): Promise<{
  config: pg.ClientConfig;
  label: string;
  secrets: string[];
  diagnosis: Omit<SourceOptions, 'timeoutMillis'>;
}> {
  const options = {
    connectionTimeoutMillis: CONNECT_TIMEOUT_MILLIS,
    applicationName: 'spendsense-db migrate',
  };
  if (target.kind === 'local') {
    const server = new LocalServer({ stateDir: resolveStateDir(target.stateDir) });
    if (!(await server.isRunning())) {
      throw new CliError(
        `The local database in ${server.paths.root} is not running.`,
        ExitCode.LocalNotRunning,
        `Start it with \`${localCommand('start', server.paths.root)}\` (npm start also applies the migrations).`,
      );
    }
    const migrator = await localConnectionAs(await server.connection(), server.paths, 'migrator');
    return {
      config: buildClientConfig(migrator, {
        ...options,
        extraCertificateAuthorities: [migrator.caPem],
      }),
      label: `the local database (${migrator.user}@${migrator.host}:${migrator.port}/${migrator.database})`,
      secrets: [migrator.password],
      diagnosis: { localStateDir: server.paths.root },
    };
  }
  const source: Omit<SourceOptions, 'timeoutMillis'> =
    target.kind === 'url'
      ? { url: target.url }
      : {
          secretId: credentialsSecretName(target.stage as Stage),
          hostAddress: TUNNEL_ADDRESS,
          port: target.port,
          ...(target.region !== undefined && { region: target.region }),
          ...(target.profile !== undefined && { profile: target.profile }),
        };
  const resolved = await resolveTarget({ ...source, timeoutMillis: CONNECT_TIMEOUT_MILLIS });
  const extra = await Promise.all([...caFiles, ...resolved.caFiles].map(readCertificateFile));
  return {
    config: buildClientConfig(resolved, {
      ...options,
      extraCertificateAuthorities: extra,
      ...(resolved.hostAddress !== undefined && { hostAddress: resolved.hostAddress }),
    }),
    label: `${resolved.user}@${resolved.host}:${resolved.endpointPort ?? resolved.port}/${resolved.database} (${resolved.sourceLabel}${resolved.hostAddress === undefined ? '' : `, through ${resolved.hostAddress}:${resolved.port}`})`,
    secrets: [...resolved.secrets, resolved.password].filter((secret) => secret !== ''),
    diagnosis: source,
  };
}

async function readCertificateFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `The CA file ${file} cannot be read (${(error as { code?: string }).code ?? 'unknown error'}).`,
      ExitCode.Usage,
      'Give --ca (or sslrootcert in the URL) the path of a PEM certificate file.',
    );
  }
}

/** Why the migrator cannot connect, diagnosed stage by stage as `check` does. */
async function unreachable(
  error: unknown,
  label: string,
  secrets: readonly string[],
  diagnosis: Omit<SourceOptions, 'timeoutMillis'>,
  caFiles: readonly string[],
): Promise<CliError> {
  const { error: diagnosed } = await runCheck({
    ...diagnosis,
    caFiles,
    insecure: false,
    timeoutMillis: CONNECT_TIMEOUT_MILLIS,
  });
  if (diagnosed !== undefined) {
    return new CliError(
      `The migrator cannot reach ${label}: ${diagnosed.message}`,
      diagnosed.exitCode,
      diagnosed.hint,
    );
  }
  const message = redactSecrets(
    redactConnectionStrings(error instanceof Error ? error.message : String(error)),
    secrets,
  );
  return new CliError(
    `Could not open a session on ${label}: ${message}`,
    ExitCode.Internal,
    `\`${cliCommand(['check', '--help'])}\` passes for this source, but the migrator's session failed: check the user named above may log in.`,
  );
}

const EXIT_CODES: Readonly<Record<MigrationErrorKind, ExitCode>> = {
  failed: ExitCode.MigrationFailed,
  edited: ExitCode.MigrationEdited,
  order: ExitCode.MigrationOrder,
  locked: ExitCode.MigrationLocked,
  'nothing-to-undo': ExitCode.NothingToUndo,
  'bad-file-name': ExitCode.MigrationNameInvalid,
  'bad-file': ExitCode.MigrationNameInvalid,
  'bad-name': ExitCode.MigrationNameInvalid,
  'no-migrations-folder': ExitCode.MigrationNameInvalid,
  'not-bootstrapped': ExitCode.MigrationsNotSetUp,
};

/**
 * The `migrate` command lines a hint prints, for the same database and folder as the command
 * that failed (printed commands work as printed): `--state-dir`, `--stage` with its tunnel port,
 * region and profile, `--url <url>` as a placeholder (the URL may hold a password), `--dir`.
 */
export function migrateCommand(
  target: MigrationTargetFlags | undefined,
  directory: string,
): (...args: string[]) => string {
  const targetArgs = (): string[] => {
    switch (target?.kind) {
      case undefined:
        return [];
      case 'local':
        return target.stateDir === undefined
          ? []
          : stateDirArguments(path.resolve(target.stateDir));
      case 'url':
        return ['--url', '<url>'];
      case 'stage':
        return [
          '--stage',
          target.stage,
          '--port',
          String(target.port),
          ...(target.region === undefined ? [] : ['--region', target.region]),
          ...(target.profile === undefined ? [] : ['--profile', target.profile]),
        ];
    }
  };
  const dirArgs = directory === PROJECT_MIGRATIONS_FOLDER ? [] : ['--dir', directory];
  return (...args) =>
    cliCommand(['migrate', ...args, ...(args[0] === 'create' ? [] : targetArgs()), ...dirArgs]);
}

function hintFor(kind: MigrationErrorKind, command: (...args: string[]) => string): string {
  switch (kind) {
    case 'failed':
      return `Fix the migration (it was rolled back; the ones before it stay applied), then run \`${command('up')}\` again; \`${command('status')}\` shows where the schema is.`;
    case 'edited':
      return `An applied migration is history: restore it (git diff shows the edit) and put the change in a new migration (\`${command('create', '<name>')}\`).`;
    case 'order':
      return `Migrations apply in file-name order, each after the last applied one: renumber the new file with \`${command('create', '<name>')}\`, or restore the missing one.`;
    case 'locked':
      return 'Wait for the other run (a deploy, another terminal) to end, or raise --lock-wait-ms.';
    case 'nothing-to-undo':
      return `\`${command('status')}\` lists what is applied.`;
    case 'bad-file-name':
      return `Name migration files <number>_<lower_case_words>.sql; \`${command('create', '<name>')}\` does.`;
    case 'bad-file':
      return `Start the change with a "-- Up Migration" line; \`${command('create', '<name>')}\` writes the template.`;
    case 'bad-name':
      return 'Use lower-case letters, digits and single underscores, such as add_transactions_table.';
    case 'no-migrations-folder':
      return 'Run from the project, or point --dir at the migrations folder.';
    case 'not-bootstrapped':
      return `Locally, \`${cliCommand(['local', 'start'])}\` (or npm start) sets the roles up; on AWS, deploy the stack.`;
  }
}

/** Runs `work`; a MigrationError becomes the CliError of its kind, secrets masked. */
async function guarded<T>(
  secrets: readonly string[],
  command: (...args: string[]) => string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MigrationError) {
      const hint =
        error.code === '55P03' && error.kind === 'failed'
          ? 'Another session holds a lock the migration needs (a long transaction?): run again when it ends, or raise --lock-timeout-ms.'
          : hintFor(error.kind, command);
      throw new CliError(redactSecrets(error.message, secrets), EXIT_CODES[error.kind], hint);
    }
    throw error;
  }
}

function progressLogger(secrets: readonly string[]) {
  const write = (line: string) => process.stderr.write(`${redactSecrets(line, secrets)}\n`);
  return { info: write, warn: (line: string) => write(`warning: ${line}`) };
}

function printResult(
  action: 'up' | 'down',
  result: MigrateResult,
  label: string,
  json: boolean,
): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ ok: true, action, database: label, ran: result.ran, version: result.version }, null, 2)}\n`,
    );
    return;
  }
  const verb = action === 'up' ? 'applied' : 'undone';
  process.stdout.write(
    `${result.ran.length === 0 ? 'nothing to do' : `${result.ran.length} ${verb}: ${result.ran.join(', ')}`}\nschema version: ${result.version}\n`,
  );
}

function printStatus(status: MigrationStatus, label: string, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: true, database: label, ...status }, null, 2)}\n`);
    return;
  }
  const lines = [
    `database: ${label}`,
    `schema version: ${status.version} (latest in the folder: ${status.latest})`,
  ];
  for (const entry of status.applied) {
    const note = entry.state === 'ok' ? '' : `  ${entry.state.toUpperCase()}`;
    lines.push(
      `  applied  ${entry.name}  sha256 ${(entry.checksum ?? entry.fileChecksum ?? '-').slice(0, 12)}  ${entry.runOn}${note}`,
    );
  }
  for (const entry of status.pending) {
    lines.push(`  pending  ${entry.name}  sha256 ${entry.checksum.slice(0, 12)}`);
  }
  if (status.applied.length + status.pending.length === 0) lines.push('  no migrations');
  process.stdout.write(`${lines.join('\n')}\n`);
}
