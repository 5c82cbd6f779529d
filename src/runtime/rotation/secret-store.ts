import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { scrub } from '../redact.js';
import { scrubbedCause } from '../scrubbed-cause.js';
import { RotationStateError, SecretsManagerCallError } from './errors.js';

/** The staging labels Secrets Manager's rotation protocol relies on. */
export const StagingLabel = {
  Current: 'AWSCURRENT',
  Pending: 'AWSPENDING',
  Previous: 'AWSPREVIOUS',
} as const;
export type StagingLabel = (typeof StagingLabel)[keyof typeof StagingLabel];

export interface SecretDescription {
  readonly arn: string;
  /** `undefined` when Secrets Manager does not say (the field is optional in the API). */
  readonly rotationEnabled: boolean | undefined;
  /** Version id to its staging labels. */
  readonly versions: ReadonlyMap<string, readonly string[]>;
}

/** Which version to read: the one holding `stage`, and when given it must be `versionId`. */
export interface VersionSelector {
  readonly stage: StagingLabel;
  readonly versionId?: string;
}

/**
 * The few Secrets Manager operations a rotation needs, with errors that name the operation and
 * the secret. Values pass through as strings and are never part of an error.
 */
export class SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string): Promise<SecretDescription> {
    const output = await this.#call('DescribeSecret', secretId, () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    const versions = new Map<string, readonly string[]>(
      Object.entries(output.VersionIdsToStages ?? {}),
    );
    return { arn: output.ARN ?? secretId, rotationEnabled: output.RotationEnabled, versions };
  }

  /**
   * The value of the selected version, or `undefined` when no such version has a value (a
   * rotation's pending version is empty until `createSecret` fills it).
   */
  async find(secretId: string, select: VersionSelector): Promise<string | undefined> {
    try {
      return await this.#getValue(secretId, select);
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw callError('GetSecretValue', secretId, error);
    }
  }

  /** The value of the selected version; a missing version or secret is an error. */
  async get(secretId: string, select: VersionSelector): Promise<string> {
    const value = await this.#call('GetSecretValue', secretId, () =>
      this.#getValue(secretId, select),
    );
    if (value === undefined) {
      throw new RotationStateError(`Secret ${secretId} has no text value staged ${select.stage}.`);
    }
    return value;
  }

  async #getValue(secretId: string, select: VersionSelector): Promise<string | undefined> {
    const output = await this.client.send(
      new GetSecretValueCommand({
        SecretId: secretId,
        VersionStage: select.stage,
        VersionId: select.versionId,
      }),
    );
    return output.SecretString;
  }

  /**
   * Writes a new version. With `versionId`, a repeated call with the same value is a no-op in
   * Secrets Manager (the id is the idempotency token).
   * @param stages default: AWSCURRENT, which Secrets Manager moves from the previous version.
   */
  async put(
    secretId: string,
    secretString: string,
    options: { versionId?: string; stages?: readonly StagingLabel[] } = {},
  ): Promise<void> {
    await this.#call('PutSecretValue', secretId, () =>
      this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: secretString,
          ClientRequestToken: options.versionId,
          VersionStages: options.stages === undefined ? undefined : [...options.stages],
        }),
      ),
    );
  }

  /** Moves `stage` to `toVersionId`, taking it from `fromVersionId` when some version holds it. */
  async moveStage(
    secretId: string,
    stage: StagingLabel,
    toVersionId: string,
    fromVersionId: string | undefined,
  ): Promise<void> {
    await this.#call('UpdateSecretVersionStage', secretId, () =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: stage,
          MoveToVersionId: toVersionId,
          RemoveFromVersionId: fromVersionId,
        }),
      ),
    );
  }

  async #call<T>(operation: string, secretId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw callError(operation, secretId, error);
    }
  }
}

function awsErrorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

function callError(operation: string, secretId: string, error: unknown): SecretsManagerCallError {
  const code = awsErrorName(error);
  // AWS messages describe the request, not the secret's value; URLs are masked regardless.
  const detail = error instanceof Error ? scrub(error.message, []) : '';
  return new SecretsManagerCallError(
    `${operation} on ${secretId} failed: ${code}${detail === '' ? '' : ` (${detail})`}`,
    operation,
    code,
    { cause: scrubbedCause(error, []) },
  );
}
