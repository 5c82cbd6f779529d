import { redactUrl } from '../../runtime/redact.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseHostAddress } from './host-address.js';
import type { CheckTarget, SourceKind } from './target.js';

const DEFAULT_PORT = 5432;
/** sslmode values that would allow an unencrypted or unverified connection. */
const WEAK_SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca']);

/**
 * Parses a libpq connection URL (`postgresql://` or `postgres://`). Percent-encoded parts are
 * decoded as libpq does. The error never quotes the URL unmasked.
 */
export function parseConnectionUrl(
  url: string,
  source: SourceKind,
  sourceLabel: string,
): CheckTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(sourceLabel, url, 'it does not parse as a URL');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw invalid(sourceLabel, url, `the scheme is ${parsed.protocol}, not postgresql:`);
  }
  const host = decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalid(sourceLabel, url, 'it has no host');
  const port = parsed.port === '' ? DEFAULT_PORT : Number.parseInt(parsed.port, 10);
  const user = decodeURIComponent(parsed.username);
  if (user === '') throw invalid(sourceLabel, url, 'it has no user name');
  const password =
    decodeURIComponent(parsed.password) || (parsed.searchParams.get('password') ?? '');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  const sslmode = parsed.searchParams.get('sslmode');
  const sslrootcert = parsed.searchParams.get('sslrootcert');
  const hostaddr = parsed.searchParams.get('hostaddr');
  const notes: string[] = [];
  if (sslmode !== null && WEAK_SSL_MODES.has(sslmode)) {
    notes.push(`sslmode=${sslmode} in the URL is overridden: the check always verifies TLS fully`);
  }
  return {
    source,
    sourceLabel,
    host,
    port,
    database,
    user,
    password,
    caFiles:
      sslrootcert !== null && sslrootcert !== '' && sslrootcert !== 'system' ? [sslrootcert] : [],
    ...(hostaddr !== null &&
      hostaddr !== '' && {
        hostAddress: parseHostAddress(hostaddr, `\`hostaddr\` in the URL from ${sourceLabel}`),
      }),
    notes,
    secrets: [password],
  };
}

function invalid(sourceLabel: string, url: string, reason: string): CliError {
  return new CliError(
    `The connection URL from ${sourceLabel} is not valid: ${reason} (${redactUrl(url)}).`,
    ExitCode.Usage,
    'Expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE, with special characters in the password percent-encoded.',
  );
}
