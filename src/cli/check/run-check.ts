import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { connectionUrl } from '../../runtime/connection-secret.js';
import { MASK, redactConnectionStrings, redactSecrets } from '../../runtime/redact.js';
import { allRdsCertificateAuthorities } from '../../runtime/tls.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { localCommand } from '../local/printed-commands.js';
import { createProgress, type Progress } from '../ui/progress.js';
import type { IamCheckOptions } from './iam.js';
import type { CheckReport, StageReport } from './report.js';
import { resolveTarget, type SourceOptions } from './sources.js';
import { authenticate } from './stages/authenticate.js';
import { givenAddress, resolveHost } from './stages/dns.js';
import { readinessChecks } from './stages/readiness.js';
import { connectTcp } from './stages/tcp.js';
import { checkTls } from './stages/tls-handshake.js';
import type { CheckTarget } from './target.js';

export interface CheckOptions extends SourceOptions {
  /** CA files from `--ca`, trusted besides the RDS CAs. */
  readonly caFiles: readonly string[];
  readonly insecure: boolean;
  /**
   * Log in with an IAM authentication token signed with the caller's AWS credentials instead
   * of the source's password (`check --iam`).
   * @default - the source's password
   */
  readonly iam?: IamCheckOptions;
  /** @default - silent */
  readonly progress?: Progress;
}

export interface CheckOutcome {
  readonly report: CheckReport;
  /** Set when a stage failed: its diagnosis, hint and exit code. */
  readonly error?: CliError;
}

/**
 * Runs every stage in order, timing each, and stops at the first failure. Never throws for a
 * failed stage: the failure is in the report and in `error`, already cleaned of secrets.
 */
export async function runCheck(options: CheckOptions): Promise<CheckOutcome> {
  const run = new CheckRun(options);
  try {
    await run.execute();
    return { report: run.report };
  } catch (error) {
    const failure = run.toCliError(error);
    run.report.ok = false;
    run.report.failure = {
      exitCode: failure.exitCode,
      diagnosis: failure.message,
      hint: failure.hint ?? null,
    };
    return { report: run.report, error: failure };
  }
}

class CheckRun {
  readonly report: CheckReport;
  private readonly progress: Progress;
  private secrets: string[] = [];

  constructor(private readonly options: CheckOptions) {
    this.progress = options.progress ?? createProgress({ silent: true });
    this.report = {
      ok: false,
      source: null,
      url: null,
      insecure: options.insecure,
      timeoutMillis: options.timeoutMillis,
      stages: [
        { stage: 'config', label: 'configuration resolved' },
        { stage: 'dns', label: 'DNS lookup' },
        { stage: 'tcp', label: 'TCP connect' },
        { stage: 'tls', label: 'TLS handshake and certificate' },
        { stage: 'auth', label: 'authentication' },
        ...readinessChecks.map(({ stage, label }) => ({ stage, label })),
      ].map((stage) => ({ ...stage, status: 'skipped', durationMillis: null, detail: '' })),
      server: {},
      failure: null,
    };
  }

  async execute(): Promise<void> {
    const { timeoutMillis } = this.options;
    const { target, extraCas } = await this.stage('config', async () => {
      const resolved = await resolveTarget(this.options);
      const { iam } = this.options;
      const target: CheckTarget =
        iam === undefined
          ? resolved
          : {
              ...resolved,
              user: iam.user ?? resolved.user,
              password: '',
              notes: [
                ...resolved.notes,
                `IAM authentication: a token signed for ${resolved.host}:${resolved.endpointPort ?? resolved.port} replaces any password`,
              ],
            };
      this.secrets = resolved.secrets.filter((secret) => secret !== '');
      this.report.source = target.sourceLabel;
      this.report.url = maskedUrl(target);
      const extraCas = await readCertificateAuthorities([
        ...this.options.caFiles.map((file) => ({ file, origin: '--ca' })),
        ...target.caFiles.map((file) => ({ file, origin: target.sourceLabel })),
      ]);
      const trust = `CAs: RDS${extraCas.length > 0 ? ` + ${extraCas.length} file(s)` : ''}`;
      const detail = [`from ${target.sourceLabel}`, this.report.url, trust, ...target.notes];
      return { value: { target, extraCas }, detail: detail.join('; ') };
    });
    const addresses = await this.stage('dns', async () => {
      if (target.hostAddress !== undefined) {
        const { addresses, detail } = givenAddress(target.hostAddress, target.host);
        return { value: addresses, detail, skipped: true };
      }
      const { addresses, detail } = await resolveHost(target.host, timeoutMillis);
      return { value: addresses, detail };
    });
    const socket = await this.stage('tcp', async () => {
      try {
        const { socket, detail } = await connectTcp(addresses, target.port, timeoutMillis);
        return { value: socket, detail };
      } catch (error) {
        throw this.localNotRunning(error);
      }
    });
    await this.stage('tls', async () => {
      const { detail } = await checkTls(socket, {
        host: target.host,
        ...(target.hostAddress !== undefined && { hostAddress: target.hostAddress }),
        ca: [...allRdsCertificateAuthorities, ...extraCas],
        insecure: this.options.insecure,
        timeoutMillis,
      });
      return { value: undefined, detail };
    });
    const client = await this.stage('auth', () => this.authenticate(target, extraCas));
    try {
      for (const check of readinessChecks) {
        await this.stage(check.stage, async () => ({
          value: undefined,
          detail: await runReadiness(check.run(client, this.report.server), check.label),
        }));
      }
    } finally {
      await endQuietly(client, timeoutMillis);
    }
    this.report.ok = true;
  }

  /** The auth stage: the source's password, or an IAM token signed now (`--iam`). */
  private async authenticate(
    target: CheckTarget,
    extraCas: readonly string[],
  ): Promise<{ value: pg.Client; detail: string }> {
    const { iam, timeoutMillis, insecure } = this.options;
    // The signer and the credential chain load only for --iam.
    const iamModule = iam === undefined ? undefined : await import('./iam.js');
    const signed =
      iam === undefined || iamModule === undefined
        ? undefined
        : await iamModule.signCheckToken(
            target,
            target.endpointPort ?? target.port,
            iam,
            timeoutMillis,
          );
    if (signed !== undefined) this.secrets.push(signed.token);
    try {
      const { client, detail } = await authenticate(
        signed === undefined ? target : { ...target, password: signed.token },
        {
          extraCertificateAuthorities: extraCas,
          insecure,
          timeoutMillis,
          redact: (text) => this.redact(text),
        },
      );
      return {
        value: client,
        detail:
          signed === undefined
            ? detail
            : `${detail} with an IAM token signed for ${signed.endpoint} in ${signed.region}`,
      };
    } catch (error) {
      const refused =
        error instanceof CliError &&
        (error.cause as { code?: unknown } | undefined)?.code === '28P01';
      if (signed === undefined || iam === undefined || iamModule === undefined || !refused) {
        throw error;
      }
      const serverMessage = this.redact(String((error.cause as Error).message));
      throw await iamModule.diagnoseIamRefusal(serverMessage, signed, iam, timeoutMillis);
    }
  }

  /** Runs one stage with progress and timing, recording its result in the report. */
  private async stage<T>(
    name: string,
    task: () => Promise<{ value: T; detail: string; skipped?: boolean }>,
  ): Promise<T> {
    const entry = this.report.stages.find((stage) => stage.stage === name) as StageReport;
    const started = performance.now();
    try {
      const { value, detail, skipped } = await this.progress.step(entry.label, task);
      entry.status = skipped === true ? 'skipped' : 'ok';
      entry.detail = this.redact(detail);
      return value;
    } catch (error) {
      entry.status = 'failed';
      entry.detail = this.toCliError(error).message;
      throw error;
    } finally {
      entry.durationMillis = Math.round((performance.now() - started) * 10) / 10;
    }
  }

  /** With `--local`, a refused connection is a stopped local database: say how to start it. */
  private localNotRunning(error: unknown): unknown {
    const stateDir = this.options.localStateDir;
    if (!(error instanceof CliError) || error.exitCode !== ExitCode.ConnectionRefused) return error;
    if (stateDir === undefined) return error;
    return new CliError(
      `${error.message} The local database in ${stateDir} is not running.`,
      error.exitCode,
      `Start it with \`${localCommand('start', stateDir)}\`.`,
    );
  }

  /** Masks every known secret and any URL password in foreign text. */
  redact(text: string): string {
    return redactConnectionStrings(redactSecrets(text, this.secrets));
  }

  /** The failure as a CliError whose message and hint hold no secret. */
  toCliError(error: unknown): CliError {
    if (error instanceof CliError) {
      return new CliError(this.redact(error.message), error.exitCode, this.redact(error.hint));
    }
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new CliError(
      `The check failed unexpectedly: ${this.redact(text)}`,
      ExitCode.ReadinessFailed,
      'Run the check again; if it persists, look at the server log.',
    );
  }
}

async function runReadiness(check: Promise<string>, label: string): Promise<string> {
  try {
    return await check;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as { code?: string }).code;
    throw new CliError(
      `Readiness check "${label}" failed: ${(error as Error).message}${code !== undefined ? ` (SQLSTATE ${code})` : ''}.`,
      ExitCode.ReadinessFailed,
      code === '25006'
        ? 'The server is read-only (a replica or a database in recovery); connect to the writer endpoint.'
        : 'The server accepted the connection but cannot serve queries; look at its log.',
      { cause: error },
    );
  }
}

/**
 * The target as a URL with the password replaced by the mask (or absent when there is none),
 * and `hostaddr` as libpq takes it in a URL.
 */
function maskedUrl(target: CheckTarget): string {
  const url = connectionUrl({
    host: target.host,
    port: target.port,
    dbname: target.database,
    username: target.user,
    password: MASK,
  });
  const withPassword = target.password === '' ? url.replace(`:${MASK}@`, '@') : url;
  return target.hostAddress === undefined
    ? withPassword
    : `${withPassword}?hostaddr=${target.hostAddress}`;
}

async function readCertificateAuthorities(
  files: readonly { file: string; origin: string }[],
): Promise<string[]> {
  return Promise.all(
    files.map(async ({ file, origin }) => {
      try {
        return await readFile(file, 'utf8');
      } catch (error) {
        throw new CliError(
          `The CA file ${file} (from ${origin}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
          ExitCode.Usage,
          'Give the path of a PEM certificate file; for the local database it is .spendsense/local/tls/ca.pem.',
        );
      }
    }),
  );
}

async function endQuietly(client: pg.Client, timeoutMillis: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, timeoutMillis))),
  ]);
  clearTimeout(timer);
}
