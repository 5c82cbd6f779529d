import os from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseIntegerFlag, PORT_RANGE } from '../integer-flag.js';
import { readEnvFile } from './env-file.js';
import { parseHostAddress } from './host-address.js';
import { parseConnectionUrl } from './parse-url.js';
import { readSecretTarget } from './secret.js';
import type { CheckTarget, SourceKind } from './target.js';

export interface SourceOptions {
  readonly url?: string;
  /**
   * The local database in this state folder (`--local`): its password is read from the folder,
   * so it never goes on a command line.
   */
  readonly localStateDir?: string;
  readonly secretId?: string;
  readonly region?: string;
  readonly profile?: string;
  /**
   * Connect to this numeric address whatever the source (`--hostaddr`); the certificate is
   * still verified against the source's host name. Wins over `hostaddr` in a URL and
   * `PGHOSTADDR`.
   * @default - the source's own `hostaddr`, else `PGHOSTADDR`, else none
   */
  readonly hostAddress?: string;
  /**
   * Replaces the source's port (`--port`), for example the local end of a tunnel.
   * @default - the source's port
   */
  readonly port?: number;
  readonly timeoutMillis: number;
  /** @default process.env */
  readonly environment?: NodeJS.ProcessEnv;
  /** Where `.env` is looked for. @default process.cwd() */
  readonly cwd?: string;
}

/**
 * Finds the connection to check. First match wins: `--url`, `--local`, `--secret-id`,
 * `DATABASE_URL`, `PG*` variables, then the same two in `.env` of the current folder.
 * `--hostaddr` and `--port` then apply on top of whichever matched.
 */
export async function resolveTarget(options: SourceOptions): Promise<CheckTarget> {
  // A bad flag is reported before any secret is read.
  const flagAddress =
    options.hostAddress === undefined
      ? undefined
      : parseHostAddress(options.hostAddress, '`--hostaddr`');
  const { target, variable } = await findSource(options);
  return withOverrides(target, variable, { flagAddress, port: options.port });
}

/** Reads a libpq variable that applies whatever the source (`PGSSLROOTCERT`, `PGHOSTADDR`). */
type VariableReader = (name: string) => string | undefined;

async function findSource(
  options: SourceOptions,
): Promise<{ target: CheckTarget; variable: VariableReader }> {
  const environment = options.environment ?? process.env;
  const fromProcess: VariableReader = (name) => nonEmpty(environment[name]);
  if (options.url !== undefined) {
    return { target: parseConnectionUrl(options.url, 'url-flag', '--url'), variable: fromProcess };
  }
  if (options.localStateDir !== undefined) {
    return { target: await localTarget(options.localStateDir), variable: fromProcess };
  }
  if (options.secretId !== undefined) {
    const target = await readSecretTarget({
      secretId: options.secretId,
      timeoutMillis: options.timeoutMillis,
      ...(options.region !== undefined && { region: options.region }),
      ...(options.profile !== undefined && { profile: options.profile }),
    });
    return { target, variable: fromProcess };
  }
  const fromEnvironment = fromVariables((name) => environment[name], {
    url: ['DATABASE_URL', 'DATABASE_URL'],
    pg: ['PG-variables', 'PG* variables'],
  });
  if (fromEnvironment !== undefined) return { target: fromEnvironment, variable: fromProcess };

  const envFile = path.join(options.cwd ?? process.cwd(), '.env');
  const values = await readEnvFile(envFile);
  if (values !== undefined) {
    const fromFile = fromVariables((name) => values.get(name), {
      url: ['env-file', `DATABASE_URL in ${envFile}`],
      pg: ['env-file', `PG* variables in ${envFile}`],
    });
    if (fromFile !== undefined) {
      return {
        target: fromFile,
        variable: (name) => fromProcess(name) ?? nonEmpty(values.get(name)),
      };
    }
  }
  throw new CliError(
    'No connection settings found: no --url, no --secret-id, no DATABASE_URL, no PGHOST, and no .env with either.',
    ExitCode.NoConfig,
    'For the local database: `npx spendsense-db check --local`. For a stage: `npx spendsense-db check --secret-id spendsense/<stage>/database/connection`.',
  );
}

/** The local database, as `local url` would print it, password and CA read from its folder. */
async function localTarget(stateDir: string): Promise<CheckTarget> {
  const { LocalServer } = await import('../local/local-server.js');
  const server = new LocalServer({ stateDir });
  const connection = await server.connection();
  return {
    source: 'local',
    sourceLabel: `the local database in ${server.paths.root}`,
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password: connection.password,
    caFiles: [connection.caPath],
    notes: [],
    secrets: [connection.password],
  };
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
  const port = parseIntegerFlag('PGPORT', nonEmpty(read('PGPORT')) ?? '5432', PORT_RANGE);
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

/**
 * What applies whatever the source, as in libpq: `PGSSLROOTCERT` adds a CA; the address to
 * connect to is `--hostaddr`, else the source's own `hostaddr`, else `PGHOSTADDR`; `--port`
 * replaces the source's port.
 */
function withOverrides(
  target: CheckTarget,
  variable: VariableReader,
  flags: { flagAddress: string | undefined; port: number | undefined },
): CheckTarget {
  const caFile = variable('PGSSLROOTCERT');
  const port = flags.port ?? target.port;
  const hostAddress = chooseHostAddress(target, variable, flags.flagAddress);
  return {
    ...target,
    port,
    ...(port !== target.port && { endpointPort: target.port }),
    ...(caFile !== undefined && caFile !== 'system' && { caFiles: [...target.caFiles, caFile] }),
    ...(hostAddress !== undefined && {
      hostAddress: hostAddress.address,
      notes: [
        ...target.notes,
        `connects to ${hostAddress.address} (hostaddr from ${hostAddress.origin}) without a DNS lookup; the certificate is verified for ${target.host}`,
      ],
    }),
  };
}

function chooseHostAddress(
  target: CheckTarget,
  variable: VariableReader,
  flagAddress: string | undefined,
): { address: string; origin: string } | undefined {
  if (flagAddress !== undefined) return { address: flagAddress, origin: '--hostaddr' };
  if (target.hostAddress !== undefined) {
    return { address: target.hostAddress, origin: target.sourceLabel };
  }
  const fromVariable = variable('PGHOSTADDR');
  if (fromVariable === undefined) return undefined;
  return { address: parseHostAddress(fromVariable, '`PGHOSTADDR`'), origin: 'PGHOSTADDR' };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
