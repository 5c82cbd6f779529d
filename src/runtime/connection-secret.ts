import * as z from 'zod';
import { SecretMalformedError } from './errors.js';

/**
 * The JSON stored in `spendsense/<stage>/database/connection`. The stack composes it at deploy
 * time; the rotation function rewrites it with the credentials secret.
 */
export const connectionSecretSchema = z.object({
  url: z.string().startsWith('postgresql://'),
  engine: z.literal('postgres'),
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  dbname: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
});
export type ConnectionSecret = z.infer<typeof connectionSecretSchema>;

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
  const parsed = connectionSecretSchema.safeParse(value);
  if (!parsed.success) {
    throw new SecretMalformedError(
      `The connection secret does not have the expected shape: ${describeSecretProblems(parsed.error)}.`,
    );
  }
  return parsed.data;
}
