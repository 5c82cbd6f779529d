import os from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from '../exit-codes.js';
import { readEnvFile } from './env-file.js';
import { parseConnectionUrl } from './parse-url.js';
import { readSecretTarget } from './secret.js';
import type { CheckTarget, SourceKind } from './target.js';

export interface SourceOptions {
  readonly url?: string;
  readonly secretId?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly timeoutMillis: number;
  /** @default process.env */
  readonly environment?: NodeJS.ProcessEnv;
  /** Where `.env` is looked for. @default process.cwd() */
  readonly cwd?: string;
}

/**
 * Finds the connection to check. First match wins: `--url`, `--secret-id`, `DATABASE_URL`,
 * `PG*` variables, then the same two in `.env` of the current folder.
 */
export async function resolveTarget(options: SourceOptions): Promise<CheckTarget> {
  const environment = options.environment ?? process.env;
  if (options.url !== undefined) {
    return withEnvironmentCa(parseConnectionUrl(options.url, 'url-flag', '--url'), environment);
  }
  if (options.secretId !== undefined) {
    const target = await readSecretTarget({
      secretId: options.secretId,
      timeoutMillis: options.timeoutMillis,
      ...(options.region !== undefined && { region: options.region }),
      ...(options.profile !== undefined && { profile: options.profile }),
    });
    return withEnvironmentCa(target, environment);
  }
  const fromEnvironment = fromVariables((name) => environment[name], {
    url: ['DATABASE_URL', 'DATABASE_URL'],
    pg: ['PG-variables', 'PG* variables'],
  });
  if (fromEnvironment !== undefined) return withEnvironmentCa(fromEnvironment, environment);

  const envFile = path.join(options.cwd ?? process.cwd(), '.env');
  const values = await readEnvFile(envFile);
  if (values !== undefined) {
    const fromFile = fromVariables((name) => values.get(name), {
      url: ['env-file', `DATABASE_URL in ${envFile}`],
      pg: ['env-file', `PG* variables in ${envFile}`],
    });
    if (fromFile !== undefined) {
      const caFile = nonEmpty(environment.PGSSLROOTCERT) ?? values.get('PGSSLROOTCERT');
      return withEnvironmentCa(fromFile, { PGSSLROOTCERT: caFile });
    }
  }
  throw new CliError(
    'No connection settings found: no --url, no --secret-id, no DATABASE_URL, no PGHOST, and no .env with either.',
    ExitCode.NoConfig,
    'For the local database: spendsense-db check --url "$(spendsense-db local url --reveal)". For a stage: --secret-id spendsense/<stage>/database/connection.',
  );
}

type Labels = Readonly<Record<'url' | 'pg', readonly [SourceKind, string]>>;

function fromVariables(
  read: (name: string) => string | undefined,
  labels: Labels,
): CheckTarget | undefined {
  const url = nonEmpty(read('DATABASE_URL'));
  if (url !== undefined) return parseConnectionUrl(url, labels.url[0], labels.url[1]);
  const host = nonEmpty(read('PGHOST'));
  if (host === undefined) return undefined;
  const [source, sourceLabel] = labels.pg;
  const user = nonEmpty(read('PGUSER')) ?? os.userInfo().username;
  const portText = nonEmpty(read('PGPORT')) ?? '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CliError(
      `PGPORT must be an integer from 1 to 65535. Got ${JSON.stringify(portText)}.`,
      ExitCode.Usage,
    );
  }
  const password = read('PGPASSWORD') ?? '';
  return {
    source,
    sourceLabel,
    host,
    port,
    database: nonEmpty(read('PGDATABASE')) ?? user,
    user,
    password,
    caFiles: [],
    notes: password === '' ? ['PGPASSWORD is not set'] : [],
    secrets: [password],
  };
}

/** `PGSSLROOTCERT`, as libpq reads it, adds a CA whatever the source. */
function withEnvironmentCa(target: CheckTarget, environment: NodeJS.ProcessEnv): CheckTarget {
  const file = nonEmpty(environment.PGSSLROOTCERT);
  if (file === undefined || file === 'system') return target;
  return { ...target, caFiles: [...target.caFiles, file] };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
