import type { DatabaseAccessOptions, DatabaseTarget } from './database.js';
import { RotationStateError } from './errors.js';
import type { RotationLogger } from './logger.js';
import { type SecretStore, StagingLabel, type VersionSelector } from './secret-store.js';
import {
  type ConnectionSecretValue,
  type Credentials,
  parseConnectionSecret,
  parseCredentials,
} from './secret-values.js';

/** What every rotation step works with. */
export interface RotationContext {
  readonly store: SecretStore;
  /** ARN of the credentials secret being rotated. */
  readonly secretId: string;
  /** The version this rotation fills and promotes (the event's `ClientRequestToken`). */
  readonly token: string;
  /** ARN of the connection secret that must follow the credentials. */
  readonly connectionSecretId: string;
  readonly database: DatabaseTarget;
  readonly databaseAccess: DatabaseAccessOptions;
  readonly passwordLength: number;
  readonly logger: RotationLogger;
  /** Every password read so far; the logger masks them all. */
  readonly seen: Set<string>;
}

/** The credentials version this rotation created (`AWSPENDING`, version = token). */
export function readPending(context: RotationContext): Promise<Credentials> {
  return readCredentials(context, { stage: StagingLabel.Pending, versionId: context.token });
}

export function readCurrent(context: RotationContext): Promise<Credentials> {
  return readCredentials(context, { stage: StagingLabel.Current });
}

/** `undefined` when there is no previous version (before the first rotation). */
export async function findPrevious(context: RotationContext): Promise<Credentials | undefined> {
  const select = { stage: StagingLabel.Previous } as const;
  const text = await context.store.find(context.secretId, select);
  return text === undefined ? undefined : remember(context, parse(context, select, text));
}

export async function readCredentials(
  context: RotationContext,
  select: VersionSelector,
): Promise<Credentials> {
  const text = await context.store.get(context.secretId, select);
  return remember(context, parse(context, select, text));
}

/** The connection secret's current value; its user must be the one being rotated. */
export async function readConnectionSecret(
  context: RotationContext,
  username: string,
): Promise<ConnectionSecretValue> {
  const text = await context.store.get(context.connectionSecretId, { stage: StagingLabel.Current });
  const secret = parseConnectionSecret(text, `AWSCURRENT of ${context.connectionSecretId}`);
  context.seen.add(secret.value.password);
  if (secret.value.username !== username) {
    throw new RotationStateError(
      `The connection secret ${context.connectionSecretId} is for user ${secret.value.username}, but ${context.secretId} rotates ${username}: giving it the new password would break it.`,
    );
  }
  return secret;
}

function parse(context: RotationContext, select: VersionSelector, text: string): Credentials {
  const version = select.versionId === undefined ? '' : ` (version ${select.versionId})`;
  return parseCredentials(text, `${select.stage}${version} of ${context.secretId}`);
}

function remember(context: RotationContext, credentials: Credentials): Credentials {
  context.seen.add(credentials.password);
  return credentials;
}
