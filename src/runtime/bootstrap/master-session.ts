import type { RotationLogger } from '../rotation/logger.js';
import {
  type DatabaseAccessOptions,
  type DatabaseTarget,
  type KnownPassword,
  type KnownSession,
  logInWithFirstAccepted,
} from '../rotation/database.js';
import type { SecretStore } from '../rotation/secret-store.js';
import { StagingLabel } from '../rotation/secret-store.js';
import { parseCredentials } from '../rotation/secret-values.js';
import { BootstrapError } from './errors.js';

/**
 * Opens a TLS-verified session as the master user with the credentials secret, as the rotation
 * does: AWSCURRENT first, then AWSPENDING and AWSPREVIOUS. The first rotation starts as soon as
 * its schedule exists and may be between setSecret and finishSecret while the bootstrap runs
 * (the stack orders the two, but a rotation started by an earlier deployment or by its schedule
 * may still be running): the database then accepts AWSPENDING only, and that must not fail a
 * deployment.
 */
export async function openMasterSession(options: {
  readonly store: SecretStore;
  readonly secretArn: string;
  readonly database: DatabaseTarget;
  readonly access: DatabaseAccessOptions;
  readonly logger: RotationLogger;
  /** Every password read is added, so the logger and errors can mask it. */
  readonly seen: Set<string>;
}): Promise<KnownSession> {
  const { store, secretArn, logger, seen } = options;
  const current = parseCredentials(
    await store.get(secretArn, { stage: StagingLabel.Current }),
    `AWSCURRENT of ${secretArn}`,
  );
  seen.add(current.password);
  const candidates: KnownPassword[] = [{ source: 'AWSCURRENT', password: current.password }];
  for (const stage of [StagingLabel.Pending, StagingLabel.Previous]) {
    const text = await store.find(secretArn, { stage });
    if (text === undefined) continue;
    const other = parseCredentials(text, `${stage} of ${secretArn}`);
    seen.add(other.password);
    if (other.username === current.username) {
      candidates.push({ source: stage, password: other.password });
    }
  }

  const session = await logInWithFirstAccepted(
    options.database,
    current.username,
    candidates,
    options.access,
    (candidate) => logger.warn('Password rejected', { source: candidate.source }),
  );
  if (session === undefined) {
    throw new BootstrapError(
      `The database rejects every password known for the master user ${current.username} (${candidates.map((c) => c.source).join(', ')} of ${secretArn}): it was changed outside Secrets Manager. Set the master password back to the AWSCURRENT value of the secret (for example with \`aws rds modify-db-instance --master-user-password\`), then deploy again.`,
      '28P01',
    );
  }
  if (session.source !== 'AWSCURRENT') {
    logger.info('Logged in with a password of a rotation in progress', { source: session.source });
  }
  return session;
}
