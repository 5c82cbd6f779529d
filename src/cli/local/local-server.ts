import { access, chmod, mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatePassword } from '../../runtime/password.js';
import { DATABASE_NAME, ENGINE_MAJOR_VERSION, MASTER_USERNAME } from '../../shared/names.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { createProgress, type Progress } from '../ui/progress.js';
import { binariesForServerUser, resolveBinaries, type PostgresBinaries } from './binaries.js';
import type { LocalConnection } from './connection-url.js';
import { initialiseCluster, writeServerSettings } from './initialise.js';
import { localStatePaths, type LocalStatePaths } from './paths.js';
import {
  pgCtlIsRunning,
  pgCtlStart,
  pgCtlStop,
  readPostmasterPid,
  type PgCtlContext,
} from './pg-ctl.js';
import { canBindIpv6Loopback, isPortFree } from './ports.js';
import { runProcess } from './run-process.js';
import { serverOptions } from './server-config.js';
import {
  assertServerUserCanReach,
  giveToServerUser,
  resolveServerUser,
  type ServerUser,
} from './server-user.js';
import { acquireStartLock } from './start-lock.js';
import { ensureLocalRoles, rolePasswordFiles } from './roles.js';
import { readLocalState, writeLocalState, type LocalState } from './state-file.js';
import { ensureCertificates } from './tls-files.js';

/** Not 5432, so a PostgreSQL already installed on the machine does not collide with it. */
export const DEFAULT_LOCAL_PORT = 5433;

export interface LocalServerOptions {
  /** The state folder (see `resolveStateDir`). */
  readonly stateDir: string;
  /** @default - the port of the previous start, else 5433 */
  readonly port?: number;
  /**
   * The host clients connect to. Used when the database is first created.
   * @default 'localhost'
   */
  readonly host?: LocalState['host'];
  /** @default - the addresses chosen at creation: 127.0.0.1, plus ::1 where the machine has it */
  readonly listenAddresses?: readonly string[];
  /** @default - the value chosen at creation, else 100 */
  readonly maxConnections?: number;
  /**
   * False turns off fsync for throwaway test instances. Used when the database is first created.
   * @default true
   */
  readonly durable?: boolean;
  /** @default 30000 */
  readonly startTimeoutMillis?: number;
  /** @default - silent */
  readonly progress?: Progress;
}

export interface StartOutcome {
  /** The server was running before this call; nothing was started. */
  readonly alreadyRunning: boolean;
  /** This call created the database (first start or after a reset). */
  readonly created: boolean;
  readonly connection: LocalConnection;
}

export interface LocalStatus {
  readonly stateDir: string;
  readonly dataDir: string;
  readonly initialised: boolean;
  readonly running: boolean;
  /** The port it listens on when running, else the port it will use. */
  readonly port: number | undefined;
  readonly pid: number | undefined;
  /** The PostgreSQL version of the binaries, such as `15.18`. */
  readonly version: string;
}

/**
 * One local PostgreSQL 15 database in one state folder: created on first start, kept running
 * in the background by pg_ctl, stopped cleanly, wiped on reset. `spendsense-db local` and the
 * test harness both use this class.
 */
export class LocalServer {
  readonly paths: LocalStatePaths;
  private readonly progress: Progress;
  private context?: Promise<PgCtlContext>;

  constructor(private readonly options: LocalServerOptions) {
    this.paths = localStatePaths(options.stateDir);
    this.progress = options.progress ?? createProgress({ silent: true });
  }

  /**
   * Starts the server (creating the database on first use), then brings its roles up to date:
   * a database made by an older version gets them in place, its data untouched.
   */
  async start(): Promise<StartOutcome> {
    const outcome = await this.startServer();
    await this.progress.step('Setting up the database roles', () =>
      ensureLocalRoles(outcome.connection, this.paths),
    );
    return outcome;
  }

  private async startServer(): Promise<StartOutcome> {
    const context = await this.pgCtlContext();
    await this.prepareRoot(context.user);
    const release = await acquireStartLock(this.paths.lockFile);
    try {
      let created = false;
      if (!(await exists(this.paths.dataDir))) {
        await this.create(context);
        created = true;
      } else {
        await this.assertDataIntact();
        if (await pgCtlIsRunning(context)) {
          return { alreadyRunning: true, created, connection: await this.connection() };
        }
        await this.progress.step('Checking the TLS certificates', () =>
          ensureCertificates(this.paths, context.user),
        );
      }
      const state = await this.updatedState();
      await writeServerSettings(this.paths.dataDir, context.user);
      await this.prepareLogFile(context.user);
      if (!(await isPortFree(state.port, state.listenAddresses))) {
        throw new CliError(
          `Port ${state.port} is already in use by another program, so the local database cannot listen on it.`,
          ExitCode.LocalPortInUse,
          'Start on another port with `spendsense-db local start --port <n>`, or stop the program using it.',
        );
      }
      const password = await this.readPassword();
      await this.progress.step(
        `Starting PostgreSQL ${ENGINE_MAJOR_VERSION} on port ${state.port}`,
        () => pgCtlStart({ ...context, password }, serverOptions(state), this.startTimeoutMillis),
      );
      await writeLocalState(this.paths.stateFile, state);
      return { alreadyRunning: false, created, connection: await this.connection() };
    } finally {
      await release();
    }
  }

  /** Stops the server if it runs. @returns whether it was running */
  async stop(): Promise<boolean> {
    if (!(await exists(this.paths.dataDir))) return false;
    const context = await this.pgCtlContext();
    if (!(await pgCtlIsRunning(context))) return false;
    await this.progress.step('Stopping PostgreSQL', () =>
      pgCtlStop(context, this.startTimeoutMillis),
    );
    return true;
  }

  /** True when the database exists and its server runs. */
  async isRunning(): Promise<boolean> {
    if (!(await exists(path.join(this.paths.dataDir, 'PG_VERSION')))) return false;
    return pgCtlIsRunning(await this.pgCtlContext());
  }

  async status(): Promise<LocalStatus> {
    const context = await this.pgCtlContext();
    const initialised = await exists(path.join(this.paths.dataDir, 'PG_VERSION'));
    const running = initialised && (await this.isRunning());
    const postmaster = running ? await readPostmasterPid(this.paths.dataDir) : undefined;
    const state = await this.readState().catch(() => undefined);
    return {
      stateDir: this.paths.root,
      dataDir: this.paths.dataDir,
      initialised,
      running,
      port: postmaster?.port ?? state?.port,
      pid: postmaster?.pid,
      version: await binaryVersion(context.binaries),
    };
  }

  /** How to connect; fails with LocalNotRunning when the database was never created. */
  async connection(): Promise<LocalConnection> {
    if (!(await exists(this.paths.dataDir))) {
      throw new CliError(
        `There is no local database in ${this.paths.root} yet.`,
        ExitCode.LocalNotRunning,
        'Create and start it with `spendsense-db local start` (or `npm start`).',
      );
    }
    const state = await this.readState();
    if (state === undefined) throw this.damaged(`${this.paths.stateFile} is missing`);
    const [password, caPem] = await Promise.all([
      this.readPassword(),
      readFile(this.paths.caCertificate, 'utf8').catch(() => {
        throw this.damaged(`${this.paths.caCertificate} is missing`);
      }),
    ]);
    return {
      host: state.host,
      port: state.port,
      database: DATABASE_NAME,
      user: MASTER_USERNAME,
      password,
      caPath: this.paths.caCertificate,
      caPem,
    };
  }

  /**
   * Stops the server and deletes the database, its certificates and password. Only the files
   * this class creates are removed, so a state folder pointed at the wrong place loses nothing
   * else.
   */
  async reset(): Promise<void> {
    await this.stop();
    const owned = [
      this.paths.dataDir,
      this.paths.dataInitDir,
      this.paths.tlsDir,
      this.paths.passwordFile,
      this.paths.stateFile,
      this.paths.logFile,
      this.paths.lockFile,
      ...rolePasswordFiles(this.paths),
    ];
    await this.progress.step('Deleting the local database', async () => {
      for (const entry of owned) await rm(entry, { recursive: true, force: true });
      const left = await readdir(this.paths.root).catch(() => undefined);
      if (left !== undefined && left.length === 0) await rmdir(this.paths.root);
    });
  }

  private get startTimeoutMillis(): number {
    return this.options.startTimeoutMillis ?? 30_000;
  }

  private pgCtlContext(): Promise<PgCtlContext> {
    this.context ??= Promise.all([resolveBinaries(), resolveServerUser()]).then(
      async ([binaries, user]) => ({
        binaries: await binariesForServerUser(binaries, user),
        user,
        paths: this.paths,
      }),
    );
    return this.context;
  }

  /** The state folder: private, but traversable by the server user when that is another user. */
  private async prepareRoot(user: ServerUser): Promise<void> {
    try {
      // Parents get the usual mode (a fresh clone has no `.spendsense/` yet): `mode` on a
      // recursive mkdir applies to every folder it creates, and a private parent would lock the
      // server user out of the state folder.
      await mkdir(path.dirname(this.paths.root), { recursive: true });
      await mkdir(this.paths.root, { recursive: true, mode: 0o700 });
      if (user.uid !== undefined) await chmod(this.paths.root, 0o711);
    } catch (error) {
      throw new CliError(
        `Cannot create the state folder ${this.paths.root}: ${(error as Error).message}`,
        ExitCode.LocalStateUnusable,
        'Choose a writable folder with --state-dir (or SPENDSENSE_LOCAL_DIR).',
        { cause: error },
      );
    }
    await assertServerUserCanReach(this.paths.root, user);
  }

  private async create(context: PgCtlContext): Promise<void> {
    const password = generatePassword();
    await writeFile(this.paths.passwordFile, password + '\n', { mode: 0o600 });
    await chmod(this.paths.passwordFile, 0o600);
    // initdb (running as the server user) reads the password from this file.
    await giveToServerUser(this.paths.passwordFile, context.user);
    await this.progress.step('Creating the local CA and server certificate', () =>
      ensureCertificates(this.paths, context.user),
    );
    await this.progress.step(`Initialising PostgreSQL ${ENGINE_MAJOR_VERSION} (first start)`, () =>
      initialiseCluster(context.binaries, this.paths, context.user),
    );
    const listenAddresses =
      this.options.listenAddresses ??
      ((await canBindIpv6Loopback()) ? ['127.0.0.1', '::1'] : ['127.0.0.1']);
    await writeLocalState(this.paths.stateFile, {
      version: 1,
      port: this.options.port ?? DEFAULT_LOCAL_PORT,
      host: this.options.host ?? 'localhost',
      listenAddresses: [...listenAddresses],
      maxConnections: this.options.maxConnections ?? 100,
      durable: this.options.durable ?? true,
      createdAt: new Date().toISOString(),
    });
  }

  /** The saved state with this call's overrides applied. */
  private async updatedState(): Promise<LocalState> {
    const saved = await this.readState();
    if (saved === undefined) throw this.damaged(`${this.paths.stateFile} is missing`);
    return {
      ...saved,
      port: this.options.port ?? saved.port,
      listenAddresses: [...(this.options.listenAddresses ?? saved.listenAddresses)],
      maxConnections: this.options.maxConnections ?? saved.maxConnections,
    };
  }

  private async assertDataIntact(): Promise<void> {
    const version = await readFile(path.join(this.paths.dataDir, 'PG_VERSION'), 'utf8').catch(
      () => undefined,
    );
    if (version === undefined) throw this.damaged('PG_VERSION is missing from the data folder');
    if (version.trim() !== String(ENGINE_MAJOR_VERSION)) {
      throw this.damaged(
        `the data folder holds PostgreSQL ${version.trim()}, not ${ENGINE_MAJOR_VERSION}`,
      );
    }
    if (!(await exists(this.paths.passwordFile)))
      throw this.damaged('the password file is missing');
  }

  private async readState(): Promise<LocalState | undefined> {
    try {
      return await readLocalState(this.paths.stateFile);
    } catch (error) {
      throw this.damaged(`${this.paths.stateFile} is not valid`, error);
    }
  }

  private async readPassword(): Promise<string> {
    const text = await readFile(this.paths.passwordFile, 'utf8').catch(() => undefined);
    const password = text?.trim();
    if (password === undefined || password === '')
      throw this.damaged('the password file is missing');
    return password;
  }

  private async prepareLogFile(user: ServerUser): Promise<void> {
    await writeFile(this.paths.logFile, '', { flag: 'a', mode: 0o600 });
    await giveToServerUser(this.paths.logFile, user);
  }

  private damaged(reason: string, cause?: unknown): CliError {
    return new CliError(
      `The local database in ${this.paths.root} is damaged: ${reason}.`,
      ExitCode.LocalDataDamaged,
      '`spendsense-db local reset` deletes it and `spendsense-db local start` creates a fresh one (the data is lost).',
      cause === undefined ? undefined : { cause },
    );
  }
}

async function exists(target: string): Promise<boolean> {
  return access(target).then(
    () => true,
    () => false,
  );
}

async function binaryVersion(binaries: PostgresBinaries): Promise<string> {
  const result = await runProcess(binaries.postgres, ['--version'], { timeoutMillis: 10_000 });
  return /(\d+\.\d+)/.exec(result.stdout)?.[1] ?? 'unknown';
}
