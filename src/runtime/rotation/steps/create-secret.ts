import { generatePassword } from '../../password.js';
import { type RotationContext, readConnectionSecret, readCurrent } from '../context.js';
import { StagingLabel } from '../secret-store.js';
import { parseCredentials } from '../secret-values.js';

/**
 * Step 1: store a new password as this rotation's `AWSPENDING` version. Nothing changes in the
 * database. A version already filled for this token is kept: Secrets Manager may call a step
 * again, and a second password would strand the first if `setSecret` had already used it.
 *
 * The password is generated here with `node:crypto` rather than by Secrets Manager's
 * GetRandomPassword, whose IAM action takes no resource and could only be granted on `*`.
 */
export async function createSecret(context: RotationContext): Promise<void> {
  const { store, secretId, token, logger } = context;
  const current = await readCurrent(context);
  // Fail now, while nothing has changed, if the connection secret could not follow.
  await readConnectionSecret(context, current.username);

  const pending = { stage: StagingLabel.Pending, versionId: token } as const;
  const existing = await store.find(secretId, pending);
  if (existing !== undefined) {
    const credentials = parseCredentials(existing, `AWSPENDING (version ${token}) of ${secretId}`);
    context.seen.add(credentials.password);
    logger.info('The pending version already holds a password; keeping it');
    return;
  }

  const password = generatePassword(context.passwordLength);
  context.seen.add(password);
  await store.put(secretId, JSON.stringify({ ...current.fields, password }), {
    versionId: token,
    stages: [StagingLabel.Pending],
  });
  logger.info('Stored a new password as the pending version');
}
