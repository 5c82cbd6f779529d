import { type RotationContext, readConnectionSecret } from './context.js';
import type { Credentials } from './secret-values.js';
import { holdsPassword, withPassword } from './secret-values.js';

/**
 * Makes the connection secret hold `credentials.password` (in `password` and in `url`), keeping
 * its host, port, database, user and any other field. Writes a new version only when something
 * differs, so calling it again is harmless. Only ever called with a password the database
 * accepts at that moment: the connection secret must never hold one that does not work.
 */
export async function syncConnectionSecret(
  context: RotationContext,
  credentials: Credentials,
): Promise<'updated' | 'unchanged'> {
  const secret = await readConnectionSecret(context, credentials.username);
  if (holdsPassword(secret, credentials.password)) return 'unchanged';
  await context.store.put(context.connectionSecretId, withPassword(secret, credentials.password));
  context.logger.info('Connection secret now holds the new password', {
    connectionSecretId: context.connectionSecretId,
  });
  return 'updated';
}

/** True when the connection secret's current version holds `password`; false if unreadable. */
export async function connectionSecretHolds(
  context: RotationContext,
  credentials: Credentials,
): Promise<boolean> {
  try {
    const secret = await readConnectionSecret(context, credentials.username);
    return holdsPassword(secret, credentials.password);
  } catch {
    return false;
  }
}
