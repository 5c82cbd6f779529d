import type * as z from 'zod';
import { SecretMalformedError } from './errors.js';

/**
 * The JSON stored in `spendsense/<stage>/database/connection`. The stack composes it at deploy
 * time; the rotation function rewrites it with the credentials secret.
 */
export interface ConnectionSecret {
  /** `postgresql://...` */
  readonly url: string;
  readonly engine: 'postgres';
  readonly host: string;
  /** A number, also when the JSON has it as a string. */
  readonly port: number;
  readonly dbname: string;
  readonly username: string;
  readonly password: string;
}

export const CONNECTION_SECRET_FIELDS: readonly (keyof ConnectionSecret)[] = [
  'url',
  'engine',
  'host',
  'port',
  'dbname',
  'username',
  'password',
];

export type ConnectionSecretCheck =
  | { readonly success: true; readonly data: ConnectionSecret }
  | {
      readonly success: false;
      /** `field: problem` for each bad field, never a value: safe to print. */
      readonly problems: string;
    };

/**
 * Checks a parsed secret value; `data` holds the known fields only, `port` as a number. A small
 * hand check rather than a schema: it runs inside Lambda bundles, which carry no schema library.
 */
export function checkConnectionSecret(value: unknown): ConnectionSecretCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { success: false, problems: '(root): invalid type' };
  }
  const fields = value as Record<string, unknown>;
  const problems: string[] = [];
  const text = (name: keyof ConnectionSecret): string => {
    const field = fields[name];
    if (typeof field !== 'string') problems.push(`${name}: invalid type`);
    else if (field.length === 0) problems.push(`${name}: too small`);
    return typeof field === 'string' ? field : '';
  };
  const url = text('url');
  if (url !== '' && !url.startsWith('postgresql://')) problems.push('url: invalid format');
  if (fields.engine !== 'postgres') problems.push('engine: invalid value');
  const host = text('host');
  const rawPort = fields.port;
  const port = typeof rawPort === 'number' || typeof rawPort === 'string' ? Number(rawPort) : NaN;
  if (Number.isNaN(port) || (typeof rawPort === 'string' && rawPort.trim() === '')) {
    problems.push('port: invalid type');
  } else if (!Number.isInteger(port)) problems.push('port: invalid type');
  else if (port < 1) problems.push('port: too small');
  else if (port > 65_535) problems.push('port: too big');
  const dbname = text('dbname');
  const username = text('username');
  const password = text('password');
  if (problems.length > 0) return { success: false, problems: problems.join('; ') };
  return {
    success: true,
    data: { url, engine: 'postgres', host, port, dbname, username, password },
  };
}

/**
 * Builds the libpq-compatible URL for a set of components. Components are percent-encoded, so
 * the URL is valid whatever characters a password holds.
 */
export function connectionUrl(parts: {
  host: string;
  port: number;
  dbname: string;
  username: string;
  password: string;
}): string {
  const user = encodeURIComponent(parts.username);
  const password = encodeURIComponent(parts.password);
  const host = parts.host.includes(':') ? `[${parts.host}]` : parts.host;
  return `postgresql://${user}:${password}@${host}:${parts.port}/${encodeURIComponent(parts.dbname)}`;
}

/**
 * Describes what is wrong with a secret's JSON without quoting any of its values: only field
 * names and the kind of problem, so the message is safe to print.
 */
export function describeSecretProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code.replaceAll('_', ' ')}`)
    .join('; ');
}

/** Validates the secret's JSON; the error names the bad fields, never their values. */
export function parseConnectionSecret(value: unknown): ConnectionSecret {
  const parsed = checkConnectionSecret(value);
  if (!parsed.success) {
    throw new SecretMalformedError(
      `The connection secret does not have the expected shape: ${parsed.problems}.`,
    );
  }
  return parsed.data;
}
