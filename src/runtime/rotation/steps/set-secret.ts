import { connectionSecretHolds, syncConnectionSecret } from '../connection-sync.js';
import {
  findPrevious,
  type RotationContext,
  readConnectionSecret,
  readCurrent,
  readPending,
} from '../context.js';
import {
  changePassword,
  close,
  type KnownPassword,
  type KnownSession,
  logIn,
  logInWithKnownPasswords,
  loginWorks,
} from '../database.js';
import { RotationDatabaseError, RotationError, RotationStateError } from '../errors.js';
import { isScramSafe } from '../scram.js';
import type { Credentials } from '../secret-values.js';

/** A session opened as the rotated user. */
type Session = KnownSession;

/**
 * Step 2: the database takes the pending password, then the connection secret follows at once.
 *
 * The connection secret is rewritten here rather than in `finishSecret`: from the moment the
 * password changes, the old one no longer opens connections, so every second until the
 * connection secret follows is a second in which new clients fail. It is written only after a
 * fresh login with the new password succeeded, so it never holds a password that does not
 * work. If that login or that write fails, the password clients know is put back through the
 * session still open, and the step fails with the database as clients know it.
 *
 * Already done (the pending password logs in): only the connection secret is brought along.
 * This heals a step cut short between the two writes (a timeout, say), and if the write fails
 * again, the password clients know is put back as above.
 */
export async function setSecret(context: RotationContext): Promise<void> {
  const pending = await readPending(context);
  const current = await readCurrent(context);
  const username = pending.username;
  if (current.username !== username) {
    throw new RotationStateError(
      `The AWSPENDING version of ${context.secretId} is for user ${username} but AWSCURRENT is for ${current.username}: single-user rotation changes one user's password only.`,
    );
  }
  if (!isScramSafe(pending.password)) {
    throw new RotationStateError(
      `The AWSPENDING password of ${context.secretId} contains spaces or characters outside printable ASCII: it was not written by createSecret, which generates letters and digits only.`,
    );
  }
  const connection = await readConnectionSecret(context, username);
  const forClients: KnownPassword = {
    source: 'the connection secret',
    password: connection.value.password,
  };
  const previous = await findPrevious(context);

  const pendingLogin = await logIn(
    context.database,
    username,
    pending.password,
    context.databaseAccess,
  );
  if (pendingLogin.outcome === 'connected') {
    context.logger.info('The database already accepts the pending password');
    const session = {
      client: pendingLogin.client,
      source: 'AWSPENDING',
      password: pending.password,
    };
    try {
      await syncOrRestore(context, session, pending, forClients);
    } finally {
      await close(session.client);
    }
    return;
  }

  // AWSCURRENT normally works. The connection secret's password is the one clients use, and it
  // can be the live one after an interrupted rotation; AWSPREVIOUS is the last resort.
  const session = await logInWithAnyOf(context, username, [
    { source: 'AWSCURRENT', password: current.password },
    forClients,
    ...(previous?.username === username
      ? [{ source: 'AWSPREVIOUS', password: previous.password }]
      : []),
  ]);
  try {
    await changePassword(session.client, username, pending.password);
    context.logger.info('Changed the password in the database', { loggedInWith: session.source });
    await confirmOrRestore(context, session, pending);
    await syncOrRestore(context, session, pending, session);
  } finally {
    await close(session.client);
  }
}

async function logInWithAnyOf(
  context: RotationContext,
  username: string,
  candidates: readonly KnownPassword[],
): Promise<Session> {
  const session = await logInWithKnownPasswords(context, username, candidates);
  if (session !== undefined) return session;
  throw new RotationDatabaseError(
    `The database rejects every password known for ${username} (AWSPENDING, ${candidates.map((c) => c.source).join(', ')}). Someone changed it outside the rotation: set it back with ALTER ROLE to the AWSCURRENT value of ${context.secretId}, then rotate again.`,
    'rejected',
    '28P01',
  );
}

/** The new password must open a new session as the right user; else the old one goes back. */
async function confirmOrRestore(
  context: RotationContext,
  session: Session,
  pending: Credentials,
): Promise<void> {
  try {
    if (!(await loginWorks(context.database, pending, context.databaseAccess))) {
      throw new RotationDatabaseError(
        `The database rejects the new password of ${pending.username} right after setting it.`,
        'rejected',
        '28P01',
      );
    }
  } catch (error) {
    await restore(context, session, pending.username, session, error);
    throw error;
  }
}

/** The connection secret must hold the new password; else `fallback` goes back in the database. */
async function syncOrRestore(
  context: RotationContext,
  session: Session,
  pending: Credentials,
  fallback: KnownPassword,
): Promise<void> {
  try {
    await syncConnectionSecret(context, pending);
  } catch (error) {
    // A write can land and still report failure (a lost response): then nothing is wrong.
    if (await connectionSecretHolds(context, pending)) {
      context.logger.warn('Writing the connection secret reported a failure but it landed');
      return;
    }
    await restore(context, session, pending.username, fallback, error);
    throw error;
  }
}

/** Puts `fallback` back as the password, through the open session, so clients keep working. */
async function restore(
  context: RotationContext,
  session: Session,
  username: string,
  fallback: KnownPassword,
  failure: unknown,
): Promise<void> {
  try {
    await changePassword(session.client, username, fallback.password);
    context.logger.warn('Restored the previous password after a failure', {
      restored: fallback.source,
    });
  } catch (restoreError) {
    const failed = failure instanceof Error ? failure.message : String(failure);
    throw new RotationError(
      `${failed} Restoring the previous password failed too (${restoreError instanceof Error ? restoreError.message : 'unknown error'}): the database accepts only the AWSPENDING password of ${context.secretId} (version ${context.token}). Rotate again to finish.`,
      { cause: failure },
    );
  }
}
