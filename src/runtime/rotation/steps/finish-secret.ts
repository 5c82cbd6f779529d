import { syncConnectionSecret } from '../connection-sync.js';
import { type RotationContext, readPending } from '../context.js';
import { StagingLabel } from '../secret-store.js';

/**
 * Step 4: the pending version becomes `AWSCURRENT` (Secrets Manager labels the old one
 * `AWSPREVIOUS`), and the connection secret is made to agree.
 *
 * Order: the connection secret first, then the label. By now the database accepts only the
 * pending password (`setSecret` changed it and `testSecret` proved it), so writing it to the
 * connection secret can never make that secret wrong; `setSecret` normally did it already and
 * this is a no-op. Moving the label first would, if the second call then failed, leave a
 * finished rotation whose connection secret still held the dead password.
 */
export async function finishSecret(context: RotationContext): Promise<void> {
  const { store, secretId, token, logger } = context;
  const pending = await readPending(context);
  await syncConnectionSecret(context, pending);

  const description = await store.describe(secretId);
  const currentVersion = [...description.versions].find(([, stages]) =>
    stages.includes(StagingLabel.Current),
  )?.[0];
  await store.moveStage(secretId, StagingLabel.Current, token, currentVersion);
  logger.info('The new version is now AWSCURRENT', { previousVersion: currentVersion });
}
