import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  InvalidParameterException,
  PutSecretValueCommand,
  type PutSecretValueCommandInput,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';

interface FakeVersion {
  readonly id: string;
  /** Undefined for the empty version RotateSecret creates before calling the function. */
  value: string | undefined;
  readonly stages: Set<string>;
  readonly createdDate: Date;
}

interface FakeSecret {
  readonly arn: string;
  readonly name: string;
  rotationEnabled: boolean;
  readonly versions: Map<string, FakeVersion>;
}

export type Operation =
  'DescribeSecret' | 'GetSecretValue' | 'PutSecretValue' | 'UpdateSecretVersionStage';

interface InjectedFailure {
  readonly operation: Operation;
  readonly secretId: string | undefined;
  /** Given the request, as a service error that quotes its input would be. */
  readonly error: (input: Record<string, unknown>) => Error;
}

const metadata = { $metadata: { httpStatusCode: 400 } };

/**
 * An in-memory Secrets Manager: secrets with versions and staging labels, following the
 * service's documented rules (AWSCURRENT moves leave AWSPREVIOUS behind, a version id is an
 * idempotency token, an empty pending version has no value), answering through
 * aws-sdk-client-mock with responses and errors shaped like the real API.
 */
export class FakeSecretsManager {
  readonly #secrets = new Map<string, FakeSecret>();
  readonly #failures: InjectedFailure[] = [];
  /** Every call in order, for assertions on ordering and idempotency. */
  readonly calls: { readonly operation: Operation; readonly secretId?: string }[] = [];
  readonly mock: AwsClientStub<SecretsManagerClient>;

  constructor() {
    this.mock = mockClient(SecretsManagerClient);
    this.mock
      .on(DescribeSecretCommand)
      .callsFake((input: { SecretId: string }) =>
        this.#answer('DescribeSecret', input, () => this.#describe(input.SecretId)),
      )
      .on(GetSecretValueCommand)
      .callsFake((input: GetSecretValueCommandInput) =>
        this.#answer('GetSecretValue', input, () => this.#getValue(input)),
      )
      .on(PutSecretValueCommand)
      .callsFake((input: PutSecretValueCommandInput) =>
        this.#answer('PutSecretValue', input, () => this.#putValue(input)),
      )
      .on(UpdateSecretVersionStageCommand)
      .callsFake((input: UpdateSecretVersionStageCommandInput) =>
        this.#answer('UpdateSecretVersionStage', input, () => this.#updateStage(input)),
      );
  }

  /** Removes the SDK mock. */
  restore(): void {
    this.mock.restore();
  }

  /** Creates a secret with one version staged AWSCURRENT; returns its ARN. */
  createSecret(name: string, value: string, options: { rotationEnabled?: boolean } = {}): string {
    const suffix = randomUUID().replaceAll('-', '').slice(0, 6);
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${suffix}`;
    const versions = new Map<string, FakeVersion>();
    const id = randomUUID();
    versions.set(id, { id, value, stages: new Set([CURRENT]), createdDate: new Date() });
    this.#secrets.set(arn, {
      arn,
      name,
      rotationEnabled: options.rotationEnabled ?? true,
      versions,
    });
    return arn;
  }

  /**
   * What RotateSecret does before it invokes the function: an empty version staged AWSPENDING.
   * Like the service, it resumes an unfinished rotation instead ("A previous rotation isn't
   * complete. That rotation will be reattempted."), returning that rotation's token.
   */
  startRotation(secretId: string): string {
    const secret = this.#secret(secretId);
    const pending = this.#holder(secret, PENDING);
    if (pending !== undefined && !pending.stages.has(CURRENT)) return pending.id;
    pending?.stages.delete(PENDING);
    const id = randomUUID();
    secret.versions.set(id, {
      id,
      value: undefined,
      stages: new Set([PENDING]),
      createdDate: new Date(),
    });
    return id;
  }

  /** The value of the version holding `stage`, or `undefined`. */
  value(secretId: string, stage: string = CURRENT): string | undefined {
    return this.#holder(this.#secret(secretId), stage)?.value;
  }

  /** The version id holding `stage`, or `undefined`. */
  versionId(secretId: string, stage: string = CURRENT): string | undefined {
    return this.#holder(this.#secret(secretId), stage)?.id;
  }

  stagesOf(secretId: string, versionId: string): string[] {
    return [...(this.#secret(secretId).versions.get(versionId)?.stages ?? [])].sort();
  }

  /** Every value ever stored in the secret, oldest first. */
  allValues(secretId: string): string[] {
    return [...this.#secret(secretId).versions.values()].flatMap((version) =>
      version.value === undefined ? [] : [version.value],
    );
  }

  versionCount(secretId: string): number {
    return this.#secret(secretId).versions.size;
  }

  /** Writes a new AWSCURRENT version, as a person or CloudFormation would. */
  overwrite(secretId: string, value: string): void {
    this.#putValue({ SecretId: secretId, SecretString: value });
  }

  setRotationEnabled(secretId: string, enabled: boolean): void {
    this.#secret(secretId).rotationEnabled = enabled;
  }

  /** The next call of `operation` (on `secretId`, when given) fails with `error(request)`. */
  failNext(
    operation: Operation,
    secretId: string | undefined,
    error: (input: Record<string, unknown>) => Error,
  ): void {
    this.#failures.push({ operation, secretId, error });
  }

  async #answer<T>(
    operation: Operation,
    input: { readonly SecretId?: string | undefined },
    run: () => T,
  ): Promise<T> {
    const secretId = input.SecretId;
    this.calls.push({
      operation,
      ...(secretId !== undefined && { secretId: this.#arnOf(secretId) }),
    });
    const index = this.#failures.findIndex(
      (failure) =>
        failure.operation === operation &&
        (failure.secretId === undefined ||
          (secretId !== undefined && this.#arnOf(failure.secretId) === this.#arnOf(secretId))),
    );
    if (index !== -1) {
      const [failure] = this.#failures.splice(index, 1);
      throw failure?.error(input as Record<string, unknown>);
    }
    return run();
  }

  #describe(secretId: string) {
    const secret = this.#secret(secretId);
    const versionIdsToStages: Record<string, string[]> = {};
    for (const version of secret.versions.values()) {
      if (version.stages.size > 0) versionIdsToStages[version.id] = [...version.stages];
    }
    return {
      $metadata: { httpStatusCode: 200 },
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: secret.rotationEnabled,
      VersionIdsToStages: versionIdsToStages,
    };
  }

  #getValue(input: GetSecretValueCommandInput) {
    const secret = this.#secret(input.SecretId);
    const stage = input.VersionStage ?? (input.VersionId === undefined ? CURRENT : undefined);
    const version =
      input.VersionId !== undefined
        ? secret.versions.get(input.VersionId)
        : this.#holder(secret, stage ?? CURRENT);
    const matches = version !== undefined && (stage === undefined || version.stages.has(stage));
    if (!matches || version.value === undefined) {
      const what = [
        input.VersionId === undefined ? undefined : `VersionId: ${input.VersionId}`,
        stage === undefined ? undefined : `staging label: ${stage}`,
      ]
        .filter((part) => part !== undefined)
        .join(' and ');
      throw new ResourceNotFoundException({
        ...metadata,
        message: `Secrets Manager can't find the specified secret value for ${what}`,
      });
    }
    return {
      $metadata: { httpStatusCode: 200 },
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.value,
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    };
  }

  #putValue(input: PutSecretValueCommandInput) {
    const secret = this.#secret(input.SecretId);
    if (input.SecretString === undefined) {
      throw new InvalidParameterException({
        ...metadata,
        message: 'You must provide either SecretString or SecretBinary.',
      });
    }
    const id = input.ClientRequestToken ?? randomUUID();
    const existing = secret.versions.get(id);
    if (existing?.value !== undefined) {
      if (existing.value !== input.SecretString) {
        throw new ResourceExistsException({
          ...metadata,
          message: "You can't modify an existing version, you can only create a new version.",
        });
      }
      // Same token, same value: the service ignores the repeated request.
      return {
        $metadata: { httpStatusCode: 200 },
        ARN: secret.arn,
        Name: secret.name,
        VersionId: id,
        VersionStages: [...existing.stages],
      };
    }
    const version = existing ?? {
      id,
      value: undefined,
      stages: new Set<string>(),
      createdDate: new Date(),
    };
    version.value = input.SecretString;
    secret.versions.set(id, version);
    for (const stage of input.VersionStages ?? [CURRENT]) this.#attach(secret, stage, version);
    return {
      $metadata: { httpStatusCode: 200 },
      ARN: secret.arn,
      Name: secret.name,
      VersionId: id,
      VersionStages: [...version.stages],
    };
  }

  #updateStage(input: UpdateSecretVersionStageCommandInput) {
    const secret = this.#secret(input.SecretId);
    const stage = input.VersionStage;
    if (stage === undefined)
      throw new InvalidParameterException({ ...metadata, message: 'VersionStage is required.' });
    const holder = this.#holder(secret, stage);
    if (input.MoveToVersionId !== undefined) {
      const target = secret.versions.get(input.MoveToVersionId);
      if (target === undefined) {
        throw new ResourceNotFoundException({
          ...metadata,
          message: `Secrets Manager can't find the specified secret version: ${input.MoveToVersionId}`,
        });
      }
      if (holder !== undefined && holder !== target && input.RemoveFromVersionId !== holder.id) {
        throw new InvalidParameterException({
          ...metadata,
          message: `The staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
        });
      }
      this.#attach(secret, stage, target);
    } else if (input.RemoveFromVersionId !== undefined) {
      if (holder?.id !== input.RemoveFromVersionId) {
        throw new InvalidParameterException({
          ...metadata,
          message: `Version ${input.RemoveFromVersionId} does not have the staging label ${stage}.`,
        });
      }
      holder.stages.delete(stage);
    }
    return { $metadata: { httpStatusCode: 200 }, ARN: secret.arn, Name: secret.name };
  }

  /** Attaches a label, taking it from its holder; moving AWSCURRENT leaves AWSPREVIOUS behind. */
  #attach(secret: FakeSecret, stage: string, version: FakeVersion): void {
    const holder = this.#holder(secret, stage);
    if (holder === version) return;
    holder?.stages.delete(stage);
    version.stages.add(stage);
    if (stage === CURRENT && holder !== undefined) {
      this.#holder(secret, PREVIOUS)?.stages.delete(PREVIOUS);
      holder.stages.add(PREVIOUS);
    }
  }

  #holder(secret: FakeSecret, stage: string): FakeVersion | undefined {
    return [...secret.versions.values()].find((version) => version.stages.has(stage));
  }

  /** The ARN for a name or ARN; an unknown id is returned as is. */
  #arnOf(secretId: string): string {
    return (
      [...this.#secrets.values()].find(
        (candidate) => candidate.arn === secretId || candidate.name === secretId,
      )?.arn ?? secretId
    );
  }

  #secret(secretId: string | undefined): FakeSecret {
    const secret = [...this.#secrets.values()].find(
      (candidate) => candidate.arn === secretId || candidate.name === secretId,
    );
    if (secret === undefined) {
      throw new ResourceNotFoundException({
        ...metadata,
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    return secret;
  }
}

/**
 * An error the SDK raises for a code Secrets Manager does not model, such as
 * `AccessDeniedException` from IAM or `ThrottlingException`.
 */
export function awsError(name: string, message: string): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    message,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}
