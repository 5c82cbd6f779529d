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
    throw invalid(sourceLabel, url, whyUnparsable(url));
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw invalid(sourceLabel, url, `the scheme is ${parsed.protocol}, not postgresql:`);
  }
  const host = decodePart(parsed.hostname, 'host', sourceLabel, url).replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalid(sourceLabel, url, 'it has no host');
  const port = parsed.port === '' ? DEFAULT_PORT : Number.parseInt(parsed.port, 10);
  if (port < 1) throw invalid(sourceLabel, url, `the port ${port} is not from 1 to 65535`);
  const user = decodePart(parsed.username, 'user name', sourceLabel, url);
  if (user === '') throw invalid(sourceLabel, url, 'it has no user name');
  const password =
    decodePart(parsed.password, 'password', sourceLabel, url) ||
    (parsed.searchParams.get('password') ?? '');
  const database =
    decodePart(parsed.pathname.replace(/^\//, ''), 'database name', sourceLabel, url) || user;
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

/** Percent-decodes one part of the URL as libpq does; a bad escape names the part, never its value. */
function decodePart(text: string, part: string, sourceLabel: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(
      sourceLabel,
      url,
      `the ${part} is not validly percent-encoded (a % must be followed by two hex digits; write % itself as %25)`,
    );
  }
}

/**
 * Which part of a URL the WHATWG parser refused, found without quoting any of the user name or
 * password: the scheme, the port, a character in the credentials that needed percent-encoding.
 */
function whyUnparsable(url: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (scheme === null) return 'it does not start with postgresql://';
  const rest = url.slice(scheme[0].length);
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  // An @ after the authority: the credentials hold a / ? or # that cut the URL short.
  if (!authority.includes('@') && /[/?#][^?]*@/.test(rest.slice(authority.length))) {
    return 'the user name or password holds a character that must be percent-encoded (/ ? # @ : % or a space), so the parts of the URL cannot be told apart';
  }
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort === '' || hostPort.startsWith(':')) return 'it has no host';
  const portText = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPort)?.[1];
  if (portText !== undefined && portText !== '') {
    if (!/^\d+$/.test(portText)) {
      return `the port ${JSON.stringify(portText)} is not a number from 1 to 65535`;
    }
    return `the port ${portText} is not from 1 to 65535`;
  }
  return 'the host name holds characters a host name cannot have';
}

function invalid(sourceLabel: string, url: string, reason: string): CliError {
  return new CliError(
    `The connection URL from ${sourceLabel} is not valid: ${reason} (${redactUrl(url)}).`,
    ExitCode.Usage,
    'Expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE, with special characters in the password percent-encoded.',
  );
}
