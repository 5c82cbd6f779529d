import { type RotationContext, readPending } from '../context.js';
import { loginWorks } from '../database.js';
import { RotationDatabaseError } from '../errors.js';

/** Step 3: the pending password opens a session as the right user, and a query runs. */
export async function testSecret(context: RotationContext): Promise<void> {
  const pending = await readPending(context);
  if (!(await loginWorks(context.database, pending, context.databaseAccess))) {
    throw new RotationDatabaseError(
      `The database rejects the AWSPENDING password of ${context.secretId} (version ${context.token}) for ${pending.username}.`,
      'rejected',
      '28P01',
    );
  }
  context.logger.info('The pending password works');
}
