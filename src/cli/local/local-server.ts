import { chmod, mkdir, readFile, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatePassword } from '../../runtime/password.js';
import { DATABASE_NAME, ENGINE_MAJOR_VERSION, MASTER_USERNAME } from '../../shared/names.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { createProgress, type Progress } from '../ui/progress.js';
import { binariesForServerUser, resolveBinaries, type PostgresBinaries } from './binaries.js';
import type { LocalConnection } from './connection-url.js';
import { errnoCode, fileOperationError } from './fs-errors.js';
import { initialiseCluster, setMasterPassword, writeServerSettings } from './initialise.js';
import { localStatePaths, type LocalStatePaths } from './paths.js';
import { pgCtlStart, pgCtlStop, type PgCtlContext } from './pg-ctl.js';
import { canBindIpv6Loopback, portAvailability } from './ports.js';
import { postmasterState, settledPostmasterState, type PostmasterState } from './postmaster.js';
import { localCommand } from './printed-commands.js';
import { ensureOwnership } from './ownership.js';
import { runProcess } from './run-process.js';
import { serverOptions } from './server-config.js';
import {
  assertServerUserCanReach,
  giveToServerUser,
  resolveServerUser,
  type ServerUser,
} from './server-user.js';
import { cannotListen } from './start-failure.js';
import { acquireStartLock } from './start-lock.js';
import { ensureLocalRoles, rolePasswordFiles } from './roles.js';
import {
  readLocalState,
  stateFromLastStart,
  writeLocalState,
  type LocalState,
} from './state-file.js';
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
  /**
   * How long a start waits for a killed server's process to be reaped by its parent.
   * @default 10000
   */
  readonly reapWaitMillis?: number;
  /** @default - silent */
  readonly progress?: Progress;
  /**
   * Told about each repair a start makes on its own (a rebuilt state.json, a file's mode).
   * @default - silent
   */
  readonly onRepair?: (what: string) => void;
}

export interface StartOutcome {
  /** The server was running before this call; nothing was started. */
  readonly alreadyRunning: boolean;
  /** This call created the database (first start or after a reset). */
  readonly created: boolean;
  readonly connection: LocalConnection;
}

/** `not-created`, `stopped`, `running`, or `unknown` when the state folder cannot be read. */
export type LocalDatabaseState = 'not-created' | 'stopped' | 'running' | 'unknown';

export interface LocalStatus {
  readonly stateDir: string;
  readonly dataDir: string;
  readonly state: LocalDatabaseState;
  /** Null when the state cannot be known (see `problem`). */
  readonly initialised: boolean | null;
  readonly running: boolean | null;
  /** The port it listens on when running, else the port it will use. */
  readonly port: number | undefined;
  readonly pid: number | undefined;
  /** The PostgreSQL version of the binaries, such as `15.18`. */
  readonly version: string;
  /** Why the state is `unknown`, or what is odd about it (a killed server's files left behind). */
  readonly problem: string | undefined;
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
    const user = await resolveServerUser();
    await this.prepareRoot(user);
    const release = await acquireStartLock(this.paths.lockFile);
    try {
      return await this.startLocked(user);
    } catch (error) {
      throw this.fileError(error, 'starting the local database', this.paths.root);
    } finally {
      await release();
    }
  }

  private async startLocked(user: ServerUser): Promise<StartOutcome> {
    const created = !(await this.hasData());
    if (!created) {
      // Ownership first: a data folder that is not ours cannot even be read.
      await ensureOwnership(this.paths, user, (what) => this.options.onRepair?.(what));
      await this.assertCluster(user);
      const postmaster = await this.settledPostmaster();
      if (postmaster.kind === 'running') {
        this.assertPortApplies(postmaster.port);
        return { alreadyRunning: true, created: false, connection: await this.connection() };
      }
    }
    // The port is checked before anything is created: a taken port costs no initdb.
    const state = created ? await this.newState() : await this.updatedState();
    await this.assertPortAvailable(state);
    const context = await this.pgCtlContext(user);
    if (created) {
      await this.create(context, state);
    } else {
      await this.repair(context);
    }
    await writeServerSettings(this.paths.dataDir, context.user);
    await this.prepareLogFile(context.user);
    const password = await this.readPassword();
    await this.progress.step(
      `Starting PostgreSQL ${ENGINE_MAJOR_VERSION} on port ${state.port}`,
      () =>
        pgCtlStart(
          { ...context, password },
          serverOptions(state),
          state.port,
          this.startTimeoutMillis,
        ),
    );
    await writeLocalState(this.paths.stateFile, state);
    return { alreadyRunning: false, created, connection: await this.connection() };
  }

  /**
   * Stops the server if it runs.
   * @returns whether it was running; `undefined` when there is no database in the folder
   */
  async stop(): Promise<boolean | undefined> {
    if (!(await this.hasData())) return undefined;
    if ((await this.postmaster()).kind !== 'running') return false;
    const context = await this.pgCtlContext(await resolveServerUser());
    await this.progress.step('Stopping PostgreSQL', () =>
      pgCtlStop(context, this.startTimeoutMillis),
    );
    return true;
  }

  /** True when the database exists and its server runs (a killed one does not count). */
  async isRunning(): Promise<boolean> {
    if (!(await this.hasData())) return false;
    return (await this.postmaster()).kind === 'running';
  }

  /**
   * What the folder holds and whether its server runs. Never fails for the state itself: a
   * folder it cannot read is `unknown`, with the reason, so `local status` always answers.
   */
  async status(): Promise<LocalStatus> {
    const version = await binaryVersion();
    const base = { stateDir: this.paths.root, dataDir: this.paths.dataDir, version };
    try {
      if (!(await this.hasData())) {
        const state = await this.readState().catch(() => undefined);
        return {
          ...base,
          state: 'not-created',
          initialised: false,
          running: false,
          port: state?.port,
          pid: undefined,
          problem: undefined,
        };
      }
      const postmaster = await this.postmaster();
      const saved = await this.readState().catch(() => undefined);
      const running = postmaster.kind === 'running';
      return {
        ...base,
        state: running ? 'running' : 'stopped',
        initialised: true,
        running,
        port: (running ? postmaster.port : undefined) ?? saved?.port,
        pid: running ? postmaster.pid : undefined,
        problem: describeLeftover(postmaster),
      };
    } catch (error) {
      const known = this.fileError(error, 'reading the state folder', this.paths.root);
      return {
        ...base,
        state: 'unknown',
        initialised: null,
        running: null,
        port: undefined,
        pid: undefined,
        problem: known instanceof CliError ? known.message : String(error),
      };
    }
  }

  /** How to connect; fails with LocalNotRunning when the database was never created. */
  async connection(): Promise<LocalConnection> {
    if (!(await this.hasData())) {
      throw new CliError(
        `There is no local database in ${this.paths.root} yet.`,
        ExitCode.LocalNotRunning,
        `Create and start it with \`${localCommand('start', this.paths.root)}\` (or \`npm start\`).`,
      );
    }
    const state = (await this.readState().catch(() => undefined)) ?? (await this.recoveredState());
    const [password, caPem] = await Promise.all([
      this.readPassword(),
      readFile(this.paths.caCertificate, 'utf8').catch(() => {
        throw this.repairedByStart(`${this.paths.caCertificate} is missing`);
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

  private pgCtlContext(user: ServerUser): Promise<PgCtlContext> {
    this.context ??= resolveBinaries().then(async (binaries) => ({
      binaries: await binariesForServerUser(binaries, user),
      user,
      paths: this.paths,
    }));
    return this.context;
  }

  /**
   * Whether the cluster exists. A folder that cannot be read is an error naming the cause
   * (permission denied, a path that cannot exist), never "there is no database".
   */
  private async hasData(): Promise<boolean> {
    try {
      await stat(this.paths.dataDir);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw this.fileError(error, 'looking for the data folder', this.paths.dataDir);
    }
  }

  private async postmaster(): Promise<PostmasterState> {
    try {
      return await postmasterState(this.paths.dataDir);
    } catch (error) {
      throw this.fileError(error, 'reading postmaster.pid', this.paths.dataDir);
    }
  }

  /** The server's state once a killed postmaster has been reaped (bounded: it may never be). */
  private async settledPostmaster(): Promise<PostmasterState> {
    // A postmaster killed with SIGKILL is usually reaped by its parent within a few seconds.
    const waitMillis = this.options.reapWaitMillis ?? 10_000;
    const state = await settledPostmasterState(this.paths.dataDir, waitMillis);
    if (state.kind === 'unreaped') {
      throw new CliError(
        `The previous server of ${this.paths.root} (pid ${state.pid}) was killed and its process has not been reaped after ${waitMillis / 1000} s; PostgreSQL will not start while it exists.`,
        ExitCode.LocalServerStuck,
        `Its parent process must reap it (\`ps -o ppid= -p ${state.pid}\` names the parent). In a container, run an init such as \`docker run --init\` so that orphans are reaped; then run \`${localCommand('start', this.paths.root)}\` again.`,
      );
    }
    return state;
  }

  /** `--port` names the port to listen on: it cannot apply to a server already listening. */
  private assertPortApplies(runningPort: number | undefined): void {
    const asked = this.options.port;
    if (asked === undefined || runningPort === undefined || asked === runningPort) return;
    throw new CliError(
      `The local database in ${this.paths.root} already runs on port ${runningPort}; --port ${asked} cannot apply to it.`,
      ExitCode.Usage,
      `Leave out --port to use it on ${runningPort}, or stop it first: \`${localCommand('stop', this.paths.root)}\`, then \`${localCommand('start', this.paths.root, '--port', String(asked))}\`.`,
    );
  }

  private async assertPortAvailable(state: LocalState): Promise<void> {
    const availability = await portAvailability(state.port, state.listenAddresses);
    const startOnOtherPort = `\`${localCommand('start', this.paths.root, '--port', '<n>')}\``;
    if (availability.state === 'in-use') {
      throw new CliError(
        `Port ${state.port} is already in use by another program (on ${availability.address}), so the local database cannot listen on it.`,
        ExitCode.LocalPortInUse,
        `Start on another port with ${startOnOtherPort}, or stop the program using it.`,
      );
    }
    if (availability.state === 'not-allowed') {
      throw cannotListen(
        state.port,
        `${availability.code} on ${availability.address}`,
        startOnOtherPort,
      );
    }
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
      // A folder we cannot list is one we cannot use: say so now, not at the first file.
      await readdir(this.paths.root);
    } catch (error) {
      throw this.fileError(error, 'preparing the state folder', this.paths.root);
    }
    await assertServerUserCanReach(this.paths.root, user);
  }

  private async create(context: PgCtlContext, state: LocalState): Promise<void> {
    await this.writePassword(generatePassword(), context.user);
    await this.progress.step('Creating the local CA and server certificate', () =>
      ensureCertificates(this.paths, context.user),
    );
    await this.progress.step(`Initialising PostgreSQL ${ENGINE_MAJOR_VERSION} (first start)`, () =>
      initialiseCluster(context.binaries, this.paths, context.user),
    );
    await writeLocalState(this.paths.stateFile, state);
  }

  /**
   * Mends, without touching the data, what an earlier run, a copy or a hand edit left wrong: a
   * lost password (set anew in single-user mode), the password file's mode, certificates.
   * Ownership is mended before anything is read, and state.json is rebuilt where it is read.
   */
  private async repair(context: PgCtlContext): Promise<void> {
    const repaired = (what: string): void => this.options.onRepair?.(what);
    const passwordMode = await stat(this.paths.passwordFile).then(
      (info) => info.mode & 0o777,
      (error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return undefined;
        throw error;
      },
    );
    if (passwordMode === undefined) {
      const password = generatePassword();
      await this.progress.step('Setting a new password (the password file was missing)', () =>
        setMasterPassword(context.binaries, this.paths, context.user, password),
      );
      await this.writePassword(password, context.user);
      repaired(
        `the password file was missing: ${MASTER_USERNAME} has a new password (\`${localCommand('url', this.paths.root, '--reveal')}\` prints it)`,
      );
    } else if ((passwordMode & 0o077) !== 0) {
      await chmod(this.paths.passwordFile, 0o600);
      repaired(
        `the password file was readable by others (mode ${passwordMode.toString(8)}): now 600`,
      );
    }
    const renewed = await this.progress.step('Checking the TLS certificates', () =>
      ensureCertificates(this.paths, context.user),
    );
    if (renewed)
      repaired('the TLS certificates were missing, damaged or expiring: new ones were made');
  }

  /** The state of a database about to be created, from this call's options. */
  private async newState(): Promise<LocalState> {
    const listenAddresses =
      this.options.listenAddresses ??
      ((await canBindIpv6Loopback()) ? ['127.0.0.1', '::1'] : ['127.0.0.1']);
    return {
      version: 1,
      port: this.options.port ?? DEFAULT_LOCAL_PORT,
      host: this.options.host ?? 'localhost',
      listenAddresses: [...listenAddresses],
      maxConnections: this.options.maxConnections ?? 100,
      durable: this.options.durable ?? true,
      createdAt: new Date().toISOString(),
    };
  }

  /**
   * The saved state with this call's overrides applied. state.json holds no data: when it is
   * missing or unreadable it is rebuilt from the server's last start (and rewritten once the
   * server runs).
   */
  private async updatedState(): Promise<LocalState> {
    const saved = await this.readState().catch(() => undefined);
    if (saved === undefined) {
      const recovered = await this.recoveredState();
      this.options.onRepair?.(
        `${this.paths.stateFile} was missing or invalid: rebuilt from the server's last start (port ${recovered.port})`,
      );
      return recovered;
    }
    return {
      ...saved,
      port: this.options.port ?? saved.port,
      listenAddresses: [...(this.options.listenAddresses ?? saved.listenAddresses)],
      maxConnections: this.options.maxConnections ?? saved.maxConnections,
    };
  }

  /** A state.json for an existing cluster whose own was lost: its last start's options win over the defaults. */
  private async recoveredState(): Promise<LocalState> {
    const lastStart = await stateFromLastStart(this.paths.dataDir);
    const defaults = await this.newState();
    return {
      ...defaults,
      ...lastStart,
      port: this.options.port ?? lastStart.port ?? defaults.port,
      ...(this.options.listenAddresses !== undefined && {
        listenAddresses: [...this.options.listenAddresses],
      }),
    };
  }

  /**
   * The data folder holds a PostgreSQL 15 cluster. A lost PG_VERSION (three bytes) is written
   * back when the cluster's control file is there; a folder without either is not a cluster.
   */
  private async assertCluster(user: ServerUser): Promise<void> {
    const versionFile = path.join(this.paths.dataDir, 'PG_VERSION');
    const version = await readFile(versionFile, 'utf8').catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (version === undefined) {
      const control = await stat(path.join(this.paths.dataDir, 'global', 'pg_control')).catch(
        () => undefined,
      );
      if (control === undefined) {
        throw new CliError(
          `The local database in ${this.paths.root} is damaged: ${this.paths.dataDir} holds no PostgreSQL cluster (no PG_VERSION, no global/pg_control).`,
          ExitCode.LocalDataDamaged,
          `Nothing in it can be started: \`${localCommand('reset', this.paths.root)}\` deletes it and \`${localCommand('start', this.paths.root)}\` creates a fresh one.`,
        );
      }
      await writeFile(versionFile, `${ENGINE_MAJOR_VERSION}\n`, { mode: 0o600 });
      await giveToServerUser(versionFile, user);
      this.options.onRepair?.('PG_VERSION was missing from the data folder: written back');
      return;
    }
    if (version.trim() !== String(ENGINE_MAJOR_VERSION)) {
      throw new CliError(
        `The data folder ${this.paths.dataDir} holds a PostgreSQL ${version.trim()} cluster; the local database is PostgreSQL ${ENGINE_MAJOR_VERSION}.`,
        ExitCode.LocalStateUnusable,
        `That cluster is not this tool's to change: point --state-dir elsewhere, or move ${this.paths.root} away (\`local reset\` would delete it).`,
      );
    }
  }

  private async readState(): Promise<LocalState | undefined> {
    return readLocalState(this.paths.stateFile);
  }

  private async readPassword(): Promise<string> {
    const text = await readFile(this.paths.passwordFile, 'utf8').catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw this.fileError(error, 'reading the password file', this.paths.passwordFile);
    });
    const password = text?.trim();
    if (password === undefined || password === '') {
      throw this.repairedByStart('the password file is missing');
    }
    return password;
  }

  private async writePassword(password: string, user: ServerUser): Promise<void> {
    await writeFile(this.paths.passwordFile, password + '\n', { mode: 0o600 });
    await chmod(this.paths.passwordFile, 0o600);
    // initdb (running as the server user) reads the password from this file.
    await giveToServerUser(this.paths.passwordFile, user);
  }

  private async prepareLogFile(user: ServerUser): Promise<void> {
    await writeFile(this.paths.logFile, '', { flag: 'a', mode: 0o600 });
    await giveToServerUser(this.paths.logFile, user);
  }

  /** A refused file operation in the state folder, named by its cause (see `fileOperationError`). */
  private fileError(error: unknown, doing: string, target: string): unknown {
    return fileOperationError(error, doing, target, this.paths.root);
  }

  /** Something `local start` mends on its own: the hint says so, and never proposes a reset. */
  private repairedByStart(reason: string): CliError {
    return new CliError(
      `The local database in ${this.paths.root} needs a repair: ${reason}.`,
      ExitCode.LocalDataDamaged,
      `\`${localCommand('start', this.paths.root)}\` repairs it and keeps the data (with the server stopped first: \`${localCommand('stop', this.paths.root)}\`).`,
    );
  }
}

/** What a killed server left behind, for `status`. */
function describeLeftover(state: PostmasterState): string | undefined {
  if (state.kind === 'exited') {
    return `its last server (pid ${state.pid}) ended without a clean stop (killed or crashed); the next start recovers it`;
  }
  if (state.kind === 'unreaped') {
    return `its last server (pid ${state.pid}) was killed and has not been reaped yet`;
  }
  return undefined;
}

/** The version of the PostgreSQL programs, run in place (no copy, no user switch needed). */
async function binaryVersion(): Promise<string> {
  try {
    const binaries: PostgresBinaries = await resolveBinaries();
    const result = await runProcess(binaries.postgres, ['--version'], { timeoutMillis: 10_000 });
    return /(\d+\.\d+)/.exec(result.stdout)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
