import * as z from 'zod';
import {
  type ConnectionSecret,
  checkConnectionSecret,
  connectionUrl,
  describeSecretProblems,
} from '../connection-secret.js';
import { SecretValueError } from './errors.js';

/**
 * The credentials secret as rotation needs it. Other fields (`engine`, `host`, `port`,
 * `dbInstanceIdentifier`, written by the RDS attachment) are kept as they are.
 */
const credentialsSchema = z.looseObject({
  username: z.string().min(1),
  password: z.string().min(1),
});

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** The whole JSON object, unknown fields included, to write back unchanged. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface ConnectionSecretValue {
  readonly value: ConnectionSecret;
  /** The whole JSON object, unknown fields included, to write back unchanged. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** `describes` names the secret and version for the error message, e.g. `AWSPENDING of <arn>`. */
export function parseCredentials(text: string, describes: string): Credentials {
  const fields = parseJsonObject(text, describes);
  const parsed = credentialsSchema.safeParse(fields);
  if (!parsed.success) {
    throw new SecretValueError(
      `${describes} does not hold database credentials: ${describeSecretProblems(parsed.error)}.`,
    );
  }
  return { username: parsed.data.username, password: parsed.data.password, fields };
}

export function parseConnectionSecret(text: string, describes: string): ConnectionSecretValue {
  const fields = parseJsonObject(text, describes);
  const parsed = checkConnectionSecret(fields);
  if (!parsed.success) {
    throw new SecretValueError(`${describes} is not a connection secret: ${parsed.problems}.`);
  }
  return { value: parsed.data, fields };
}

/**
 * The connection secret's JSON with `password` replaced and `url` rebuilt around it. Host, port,
 * database, user, any query string of the URL and any other field stay as they were.
 */
export function withPassword(secret: ConnectionSecretValue, password: string): string {
  return JSON.stringify({ ...secret.fields, url: urlWithPassword(secret, password), password });
}

/** True when the secret already holds `password` in both `password` and `url`. */
export function holdsPassword(secret: ConnectionSecretValue, password: string): boolean {
  return (
    secret.value.password === password && secret.value.url === urlWithPassword(secret, password)
  );
}

function urlWithPassword(secret: ConnectionSecretValue, password: string): string {
  const { host, port, dbname, username, url } = secret.value;
  return connectionUrl({ host, port, dbname, username, password }) + querySuffix(url);
}

function querySuffix(url: string): string {
  const start = url.indexOf('?');
  return start === -1 ? '' : url.slice(start);
}

function parseJsonObject(text: string, describes: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text it choked on, which may be the password: drop its message.
    throw new SecretValueError(`${describes} is not valid JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SecretValueError(`${describes} is not a JSON object.`);
  }
  return value as Record<string, unknown>;
}
