import { type RotationContext, readPending } from '../context.js';
import { checkSession, close, logIn } from '../database.js';
import { RotationDatabaseError } from '../errors.js';

/** Step 3: the pending password opens a session as the right user, and a query runs. */
export async function testSecret(context: RotationContext): Promise<void> {
  const pending = await readPending(context);
  const login = await logIn(
    context.database,
    pending.username,
    pending.password,
    context.databaseAccess,
  );
  if (login.outcome === 'rejected') {
    throw new RotationDatabaseError(
      `The database rejects the AWSPENDING password of ${context.secretId} (version ${context.token}) for ${pending.username}.`,
      'rejected',
      '28P01',
    );
  }
  try {
    await checkSession(login.client, pending.username);
  } finally {
    await close(login.client);
  }
  context.logger.info('The pending password works');
}
