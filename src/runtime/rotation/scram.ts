import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's default `scram_iterations`. */
const ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / RFC 7677, in the
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` form of `pg_authid`).
 *
 * `ALTER ROLE ... PASSWORD` given a verifier stores it as is, so the plain password never
 * reaches the server, its statement logs or `pg_stat_activity` (psql's `\password` does the
 * same). PostgreSQL applies SASLprep to passwords; it leaves printable ASCII unchanged, and
 * {@link isScramSafe} keeps anything else out.
 */
export function scramSha256Verifier(
  password: string,
  salt: Buffer = randomBytes(SALT_BYTES),
  iterations: number = ITERATIONS,
): string {
  const saltedPassword = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Printable ASCII without space: SASLprep maps none of it, so the verifier matches the server's. */
export function isScramSafe(password: string): boolean {
  return /^[\x21-\x7e]+$/.test(password);
}
