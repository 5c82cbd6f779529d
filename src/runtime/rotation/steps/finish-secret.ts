import { syncConnectionSecret } from '../connection-sync.js';
import {
  findPrevious,
  type RotationContext,
  readConnectionSecret,
  readCredentials,
  readCurrent,
  readPending,
} from '../context.js';
import { close, logInWithKnownPasswords, loginWorks } from '../database.js';
import { RotationDatabaseError } from '../errors.js';
import { StagingLabel } from '../secret-store.js';
import type { Credentials } from '../secret-values.js';

/**
 * Step 4: the pending version becomes `AWSCURRENT` (Secrets Manager labels the old one
 * `AWSPREVIOUS`), and the connection secret is made to agree, once the database is seen to
 * accept the pending password: something may have changed it since testSecret (a person with
 * psql, a restore), and promoting a password that no longer logs in would hand every client a
 * dead one while reporting success. If it is refused, nothing is promoted and the connection
 * secret is put back on a password the database does accept, when one is known.
 *
 * Order: the connection secret first, then the label. `setSecret` normally wrote the connection
 * secret already and this is a no-op. Moving the label first would, if the second call then
 * failed, leave a finished rotation whose connection secret still held the dead password.
 */
export async function finishSecret(context: RotationContext): Promise<void> {
  const { store, secretId, token, logger } = context;
  const pending = await readPending(context);
  await confirmAccepted(context, pending, 'AWSPENDING');
  await syncConnectionSecret(context, pending);

  const description = await store.describe(secretId);
  const currentVersion = [...description.versions].find(([, stages]) =>
    stages.includes(StagingLabel.Current),
  )?.[0];
  await store.moveStage(secretId, StagingLabel.Current, token, currentVersion);
  logger.info('The new version is now AWSCURRENT', { previousVersion: currentVersion });
}

/**
 * finishSecret called again for a version already `AWSCURRENT` (Secrets Manager retries): the
 * connection secret is brought along, once the database is seen to accept that password.
 */
export async function finishAgain(context: RotationContext): Promise<void> {
  const finished = await readCredentials(context, {
    stage: StagingLabel.Current,
    versionId: context.token,
  });
  await confirmAccepted(context, finished, 'AWSCURRENT');
  await syncConnectionSecret(context, finished);
}

/** A fresh login with `credentials` as the right user; else the restore below, and a failure. */
async function confirmAccepted(
  context: RotationContext,
  credentials: Credentials,
  label: string,
): Promise<void> {
  if (await loginWorks(context.database, credentials, context.databaseAccess)) {
    return;
  }
  const restored = await pointClientsAtAWorkingPassword(context, credentials);
  throw new RotationDatabaseError(
    `The database no longer accepts the ${label} password of ${context.secretId} (version ${context.token}) for ${credentials.username}: it was changed outside the rotation after testSecret, so it was not promoted. ${
      restored === undefined
        ? `No known password logs in either: set the password back with ALTER ROLE to the AWSCURRENT value of ${context.secretId}, then rotate again.`
        : `The connection secret now holds the password the database accepts (${restored}); rotate again to finish.`
    }`,
    'rejected',
    '28P01',
  );
}

/**
 * Finds which known password the database accepts now and makes the connection secret hold it,
 * so clients keep working. Returns where that password came from, or `undefined` when none works.
 */
async function pointClientsAtAWorkingPassword(
  context: RotationContext,
  rejected: Credentials,
): Promise<string | undefined> {
  const { username } = rejected;
  const current = await readCurrent(context);
  const connection = await readConnectionSecret(context, username);
  const previous = await findPrevious(context);
  const candidates = [
    { source: 'AWSCURRENT', password: current.password },
    { source: 'the connection secret', password: connection.value.password },
    ...(previous?.username === username
      ? [{ source: 'AWSPREVIOUS', password: previous.password }]
      : []),
  ].filter((candidate) => candidate.password !== rejected.password);
  const session = await logInWithKnownPasswords(context, username, candidates);
  if (session === undefined) return undefined;
  await close(session.client);
  await syncConnectionSecret(context, { username, password: session.password, fields: {} });
  context.logger.warn('Pointed the connection secret back at a password the database accepts', {
    restored: session.source,
  });
  return session.source;
}
