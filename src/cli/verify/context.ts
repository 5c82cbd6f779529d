import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeSecurityGroupsCommand, EC2Client, type SecurityGroup } from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  type GetKeyRotationStatusResponse,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  RDSClient,
  type DBInstance,
  type Parameter,
} from '@aws-sdk/client-rds';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
  type DescribeSecretResponse,
  type SecretVersionsListEntry,
} from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, SNSClient, type Subscription } from '@aws-sdk/client-sns';
import type { OutputKey, Stage } from '../../shared/names.js';
import { parseTemplate, type CloudFormationTemplate } from '../aws/cloudformation-template.js';
import type { DeployedStack } from '../aws/deployed-stack.js';
import { ReadOnce, collectPages } from '../aws/read-once.js';
import { bounded, type AwsSession } from '../aws/session.js';
import { MissingFactError } from '../findings/evaluate.js';
import type { Progress } from '../ui/progress.js';
import { declaredInstance, type DeclaredInstance } from './expectations.js';
import { PROJECT_MIGRATIONS_FOLDER } from '../project-root.js';
import { readProbeResponse, type ProbeOutcome } from './probe-report.js';

/**
 * The probe's own timeout is 15 s; a cold start in a VPC adds a few seconds. The call waits for
 * the function, so it gets more than the usual per-call bound.
 */
export const PROBE_INVOKE_TIMEOUT_MILLIS = 60_000;

/** The result of `check` run from this machine against the deployed database (AC6). */
export interface LocalCheckOutcome {
  /** `unreachable`: the network path from here does not exist (a skip, not a failure). */
  readonly result: 'pass' | 'fail' | 'unreachable';
  /** One line, secret-free. */
  readonly detail: string;
}

/** Runs `check` against the connection secret of the deployed stage. */
export type LocalCheck = (target: {
  readonly secretArn: string;
  readonly region: string;
  readonly profile?: string;
}) => Promise<LocalCheckOutcome>;

/** A stack output the stack should have but does not: the check that needs it fails. */
export class MissingOutputError extends MissingFactError {
  override readonly name = 'MissingOutputError';
  constructor(readonly outputKey: string) {
    super(`stack output ${outputKey} is missing`);
  }
}

/**
 * Everything a check may read about the deployment. Each AWS read happens at most once, with
 * progress on stderr, however many checks use it; a failed read fails only the checks that
 * need it.
 */
export interface VerifyContext {
  readonly stage: Stage;
  readonly region: string;
  readonly profile: string | undefined;
  readonly stack: DeployedStack;
  /** Set with `--local`: AC6 runs `check` from this machine. */
  readonly localCheck: LocalCheck | undefined;
  now(): Date;
  output(key: OutputKey): string;
  template(): Promise<CloudFormationTemplate>;
  declaredInstance(): Promise<DeclaredInstance>;
  stackResources(): Promise<readonly StackResourceSummary[]>;
  instance(): Promise<DBInstance>;
  parameter(groupName: string, name: string): Promise<Parameter | undefined>;
  securityGroup(groupId: string): Promise<SecurityGroup>;
  key(keyId: string): Promise<KeyMetadata>;
  keyRotation(keyId: string): Promise<GetKeyRotationStatusResponse>;
  secret(secretId: string): Promise<DescribeSecretResponse>;
  /**
   * The string of the secret's `AWSCURRENT` version. Held in memory only to compare values;
   * never print it.
   */
  secretString(secretId: string): Promise<string>;
  /** Every version of the secret that has a staging label, with its labels and creation date. */
  secretVersions(secretId: string): Promise<readonly SecretVersionsListEntry[]>;
  /** The topic's subscriptions, confirmed or pending. */
  topicSubscriptions(topicArn: string): Promise<readonly Subscription[]>;
  probe(functionName: string): Promise<ProbeOutcome>;
  /**
   * The names of this checkout's migrations, in order (empty when it has none); `undefined`
   * when there is no migrations folder here (the command installed in another project).
   */
  repositoryMigrations(): Promise<readonly string[] | undefined>;
}

export interface AwsVerifyContextProps {
  readonly session: AwsSession;
  readonly stage: Stage;
  readonly stack: DeployedStack;
  readonly progress: Progress;
  readonly localCheck?: LocalCheck;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default - migrations/ in the project */
  readonly migrationsDirectory?: string;
}

/** The {@link VerifyContext} backed by the AWS SDK. */
export class AwsVerifyContext implements VerifyContext {
  readonly stage: Stage;
  readonly region: string;
  readonly profile: string | undefined;
  readonly stack: DeployedStack;
  readonly localCheck: LocalCheck | undefined;
  private readonly session: AwsSession;
  private readonly clock: () => Date;
  private readonly reads: ReadOnce;
  private readonly migrationsDirectory: string;

  constructor(props: AwsVerifyContextProps) {
    this.session = props.session;
    this.stage = props.stage;
    this.region = props.session.region;
    this.profile = props.session.profile;
    this.stack = props.stack;
    this.reads = new ReadOnce(props.progress);
    this.localCheck = props.localCheck;
    this.clock = props.now ?? (() => new Date());
    this.migrationsDirectory = props.migrationsDirectory ?? PROJECT_MIGRATIONS_FOLDER;
  }

  async repositoryMigrations(): Promise<readonly string[] | undefined> {
    const [{ readMigrationFiles }, { MigrationError }] = await Promise.all([
      import('../../runtime/migrations/files.js'),
      import('../../runtime/migrations/errors.js'),
    ]);
    try {
      return (await readMigrationFiles(this.migrationsDirectory)).map((file) => file.name);
    } catch (error) {
      if (error instanceof MigrationError && error.kind === 'no-migrations-folder')
        return undefined;
      throw error;
    }
  }

  now(): Date {
    return this.clock();
  }

  output(key: OutputKey): string {
    const value = this.stack.outputs[key];
    if (value === undefined || value === '') throw new MissingOutputError(key);
    return value;
  }

  template(): Promise<CloudFormationTemplate> {
    return this.read(
      'template',
      `Reading the deployed template of ${this.stack.name}`,
      async () => {
        const client = this.session.client(CloudFormationClient);
        const response = await client.send(
          new GetTemplateCommand({ StackName: this.stack.id, TemplateStage: 'Original' }),
          bounded(),
        );
        return parseTemplate(response.TemplateBody ?? '');
      },
    );
  }

  async declaredInstance(): Promise<DeclaredInstance> {
    const identifier = this.output('InstanceIdentifier');
    const declared = declaredInstance(await this.template(), identifier);
    if (declared === undefined) {
      throw new Error(`the deployed template declares no RDS instance named ${identifier}`);
    }
    return declared;
  }

  stackResources(): Promise<readonly StackResourceSummary[]> {
    return this.read('resources', `Listing the resources of ${this.stack.name}`, async () => {
      const client = this.session.client(CloudFormationClient);
      const resources: StackResourceSummary[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new ListStackResourcesCommand({ StackName: this.stack.id, NextToken: nextToken }),
          bounded(),
        );
        resources.push(...(page.StackResourceSummaries ?? []));
        nextToken = page.NextToken;
      } while (nextToken !== undefined);
      return resources;
    });
  }

  instance(): Promise<DBInstance> {
    const identifier = this.output('InstanceIdentifier');
    return this.read('instance', `Describing RDS instance ${identifier}`, async () => {
      const client = this.session.client(RDSClient);
      const response = await client.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }),
        bounded(),
      );
      const instance = response.DBInstances?.[0];
      if (instance === undefined) throw new Error(`RDS describes no instance ${identifier}`);
      return instance;
    });
  }

  parameter(groupName: string, name: string): Promise<Parameter | undefined> {
    return this.read(`parameter:${groupName}`, `Reading parameter group ${groupName}`, async () => {
      const client = this.session.client(RDSClient);
      // Only the values the group sets itself: the stack sets rds.force_ssl explicitly, and an
      // engine default would not guard against drift.
      let marker: string | undefined;
      const found: Parameter[] = [];
      do {
        const page = await client.send(
          new DescribeDBParametersCommand({
            DBParameterGroupName: groupName,
            Source: 'user',
            Marker: marker,
          }),
          bounded(),
        );
        found.push(...(page.Parameters ?? []));
        marker = page.Marker;
      } while (marker !== undefined);
      return found;
    }).then((parameters) => parameters.find((parameter) => parameter.ParameterName === name));
  }

  securityGroup(groupId: string): Promise<SecurityGroup> {
    return this.read(`sg:${groupId}`, `Describing security group ${groupId}`, async () => {
      const client = this.session.client(EC2Client);
      const response = await client.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }),
        bounded(),
      );
      const group = response.SecurityGroups?.[0];
      if (group === undefined) throw new Error(`EC2 describes no security group ${groupId}`);
      return group;
    });
  }

  key(keyId: string): Promise<KeyMetadata> {
    return this.read(`key:${keyId}`, `Describing KMS key ${keyId}`, async () => {
      const client = this.session.client(KMSClient);
      const response = await client.send(new DescribeKeyCommand({ KeyId: keyId }), bounded());
      if (response.KeyMetadata === undefined) throw new Error(`KMS describes no key ${keyId}`);
      return response.KeyMetadata;
    });
  }

  keyRotation(keyId: string): Promise<GetKeyRotationStatusResponse> {
    return this.read(`rotation:${keyId}`, `Reading the rotation status of ${keyId}`, () =>
      this.session
        .client(KMSClient)
        .send(new GetKeyRotationStatusCommand({ KeyId: keyId }), bounded()),
    );
  }

  secret(secretId: string): Promise<DescribeSecretResponse> {
    return this.read(`secret:${secretId}`, `Describing secret ${secretId}`, () =>
      this.session
        .client(SecretsManagerClient)
        .send(new DescribeSecretCommand({ SecretId: secretId }), bounded()),
    );
  }

  secretString(secretId: string): Promise<string> {
    return this.read(
      `value:${secretId}`,
      `Reading secret ${secretId} (compared, never shown)`,
      async () => {
        const response = await this.session
          .client(SecretsManagerClient)
          .send(
            new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
            bounded(),
          );
        if (response.SecretString === undefined)
          throw new Error(`secret ${secretId} has no string value`);
        return response.SecretString;
      },
    );
  }

  secretVersions(secretId: string): Promise<readonly SecretVersionsListEntry[]> {
    return this.read(`versions:${secretId}`, `Listing the versions of ${secretId}`, () => {
      const client = this.session.client(SecretsManagerClient);
      return collectPages(async (NextToken) => {
        const page = await client.send(
          new ListSecretVersionIdsCommand({ SecretId: secretId, NextToken }),
          bounded(),
        );
        return [page.Versions, page.NextToken];
      });
    });
  }

  topicSubscriptions(topicArn: string): Promise<readonly Subscription[]> {
    return this.read(
      `subscriptions:${topicArn}`,
      `Listing the subscriptions of ${topicArn}`,
      () => {
        const client = this.session.client(SNSClient);
        return collectPages(async (NextToken) => {
          const page = await client.send(
            new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }),
            bounded(),
          );
          return [page.Subscriptions, page.NextToken];
        });
      },
    );
  }

  probe(functionName: string): Promise<ProbeOutcome> {
    return this.read(`probe:${functionName}`, `Invoking probe Lambda ${functionName}`, async () => {
      const client = this.session.client(LambdaClient, PROBE_INVOKE_TIMEOUT_MILLIS);
      const response = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode('{}'),
        }),
        bounded(PROBE_INVOKE_TIMEOUT_MILLIS + 5_000),
      );
      return readProbeResponse(response.FunctionError, response.Payload);
    });
  }

  private read<T>(key: string, label: string, task: () => Promise<T>): Promise<T> {
    return this.reads.read(key, label, task);
  }
}
