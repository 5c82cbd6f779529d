import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  DetectStackResourceDriftCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Change,
  type Stack,
  type StackResourceDrift,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type AvailabilityZone,
} from '@aws-sdk/client-ec2';
import { GetAccountSettingsCommand, LambdaClient, type AccountLimit } from '@aws-sdk/client-lambda';
import { DescribeLogGroupsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeSecretCommand,
  SecretsManagerClient,
  type DescribeSecretResponse,
} from '@aws-sdk/client-secrets-manager';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { stackName, type Stage } from '../../shared/names.js';
import { parseTemplate, type CloudFormationTemplate } from '../aws/cloudformation-template.js';
import { findDeployedStack, type DeployedStack } from '../aws/deployed-stack.js';
import { classifyAwsError } from '../aws/errors.js';
import { ReadOnce, collectPages } from '../aws/read-once.js';
import { bounded, type AwsSession } from '../aws/session.js';
import type { SynthesizedStage } from '../synth/template-source.js';
import type { Progress } from '../ui/progress.js';

/** The CDK's default toolkit stack (`cdk bootstrap` without `--toolkit-stack-name`). */
export const BOOTSTRAP_STACK = 'CDKToolkit';
/** CloudFormation takes a template of at most this many bytes in the request itself. */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;
/** Creating a change set takes seconds, rarely a minute; past this the check gives up. */
export const CHANGE_SET_TIMEOUT_MILLIS = 180_000;
const CHANGE_SET_POLL_MILLIS = 2_000;

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
  readonly partition: string;
}

/** A quota as Service Quotas reports it. */
export interface Quota {
  readonly name: string;
  readonly value: number;
  /** Applied to this account, or AWS's default (a quota never changed for the account). */
  readonly source: 'applied' | 'default';
}

/** Resources whose number in the region a quota limits. */
export type CountedResource = 'vpcs' | 'db-instances' | 'elastic-ips' | 'internet-gateways';

/** The change set CloudFormation computed for the synthesized template. */
export type ChangeSetOutcome =
  | { readonly kind: 'no-changes'; readonly name: string }
  | { readonly kind: 'changes'; readonly name: string; readonly changes: readonly Change[] }
  | { readonly kind: 'failed'; readonly name: string; readonly reason: string };

/**
 * Everything a preflight check may read about the account. Each AWS read happens at most once
 * (shown as progress), however many checks use it; a failed read fails only the checks that
 * need it.
 */
export interface PreflightContext {
  readonly stage: Stage;
  readonly region: string;
  /** `--allow-replacement`: a change set that replaces or deletes the data is a warning. */
  readonly allowReplacement: boolean;
  readonly synthesized: SynthesizedStage;
  now(): Date;
  identity(): Promise<CallerIdentity>;
  /** The stage's stack, or `undefined` before its first deploy. */
  stack(): Promise<DeployedStack | undefined>;
  /** The stack's resources; [] before its first deploy. */
  stackResources(): Promise<readonly StackResourceSummary[]>;
  /** The template the stack runs now; `undefined` before its first deploy. */
  deployedTemplate(): Promise<CloudFormationTemplate | undefined>;
  bootstrapStack(): Promise<Stack | undefined>;
  /** The value of the bootstrap version parameter, `undefined` when it does not exist. */
  ssmParameter(name: string): Promise<string | undefined>;
  lambdaAccount(): Promise<AccountLimit>;
  availabilityZones(): Promise<readonly AvailabilityZone[]>;
  /** The zone names with a default subnet (what `Fn::GetAZs` keeps, when there are any). */
  defaultSubnetZones(): Promise<ReadonlySet<string>>;
  /** Zone ID of each existing subnet, by subnet id. */
  subnetZoneIds(subnetIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  quota(serviceCode: string, quotaCode: string): Promise<Quota>;
  count(resource: CountedResource): Promise<number>;
  /** The secret with this exact name, `undefined` when there is none (not even one deleted). */
  secret(name: string): Promise<DescribeSecretResponse | undefined>;
  /** Which of these SSM parameter names exist. */
  parameters(names: readonly string[]): Promise<ReadonlySet<string>>;
  /** Whether a log group with exactly this name exists. */
  logGroupExists(name: string): Promise<boolean>;
  instanceDrift(logicalId: string): Promise<StackResourceDrift | undefined>;
  /** Creates a change set for the synthesized template, reads it, deletes it: never executes. */
  changeSet(): Promise<ChangeSetOutcome>;
}

export interface AwsPreflightContextProps {
  readonly session: AwsSession;
  readonly stage: Stage;
  readonly synthesized: SynthesizedStage;
  readonly allowReplacement: boolean;
  readonly progress: Progress;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Between two reads of a change set being created. @default 2000 */
  readonly changeSetPollMillis?: number;
}

/** The {@link PreflightContext} backed by the AWS SDK. */
export class AwsPreflightContext implements PreflightContext {
  readonly stage: Stage;
  readonly region: string;
  readonly allowReplacement: boolean;
  readonly synthesized: SynthesizedStage;
  private readonly session: AwsSession;
  private readonly clock: () => Date;
  private readonly pollMillis: number;
  private readonly reads: ReadOnce;

  constructor(props: AwsPreflightContextProps) {
    this.session = props.session;
    this.stage = props.stage;
    this.region = props.session.region;
    this.allowReplacement = props.allowReplacement;
    this.synthesized = props.synthesized;
    this.reads = new ReadOnce(props.progress);
    this.clock = props.now ?? (() => new Date());
    this.pollMillis = props.changeSetPollMillis ?? CHANGE_SET_POLL_MILLIS;
  }

  now(): Date {
    return this.clock();
  }

  identity(): Promise<CallerIdentity> {
    return this.read('identity', 'Asking STS who these credentials are', async () => {
      const response = await this.session
        .client(STSClient)
        .send(new GetCallerIdentityCommand({}), bounded());
      if (response.Account === undefined || response.Arn === undefined) {
        throw new Error('STS returned no account or ARN');
      }
      return {
        account: response.Account,
        arn: response.Arn,
        partition: response.Arn.split(':')[1] ?? 'aws',
      };
    });
  }

  stack(): Promise<DeployedStack | undefined> {
    const name = stackName(this.stage);
    return this.read('stack', `Reading stack ${name} in ${this.region}`, () =>
      findDeployedStack(this.session, this.stage),
    );
  }

  async stackResources(): Promise<readonly StackResourceSummary[]> {
    const stack = await this.stack();
    if (stack === undefined) return [];
    return this.read('resources', `Listing the resources of ${stack.name}`, () => {
      const client = this.session.client(CloudFormationClient);
      return collectPages(async (NextToken) => {
        const page = await client.send(
          new ListStackResourcesCommand({ StackName: stack.id, NextToken }),
          bounded(),
        );
        return [page.StackResourceSummaries, page.NextToken];
      });
    });
  }

  async deployedTemplate(): Promise<CloudFormationTemplate | undefined> {
    const stack = await this.stack();
    if (stack === undefined) return undefined;
    return this.read(
      'deployed-template',
      `Reading the deployed template of ${stack.name}`,
      async () => {
        const response = await this.session
          .client(CloudFormationClient)
          .send(
            new GetTemplateCommand({ StackName: stack.id, TemplateStage: 'Original' }),
            bounded(),
          );
        return parseTemplate(response.TemplateBody ?? '');
      },
    );
  }

  bootstrapStack(): Promise<Stack | undefined> {
    return this.read('bootstrap-stack', `Reading stack ${BOOTSTRAP_STACK}`, async () => {
      try {
        const response = await this.session
          .client(CloudFormationClient)
          .send(new DescribeStacksCommand({ StackName: BOOTSTRAP_STACK }), bounded());
        return response.Stacks?.[0];
      } catch (error) {
        if (isNotFound(error, 'ValidationError', /does not exist/i)) return undefined;
        throw error;
      }
    });
  }

  ssmParameter(name: string): Promise<string | undefined> {
    return this.read(`ssm:${name}`, `Reading SSM parameter ${name}`, async () => {
      try {
        const response = await this.session
          .client(SSMClient)
          .send(new GetParameterCommand({ Name: name }), bounded());
        return response.Parameter?.Value;
      } catch (error) {
        if (isNotFound(error, 'ParameterNotFound')) return undefined;
        throw error;
      }
    });
  }

  lambdaAccount(): Promise<AccountLimit> {
    return this.read('lambda', 'Reading Lambda account settings', async () => {
      const response = await this.session
        .client(LambdaClient)
        .send(new GetAccountSettingsCommand({}), bounded());
      if (response.AccountLimit === undefined) throw new Error('Lambda returned no account limit');
      return response.AccountLimit;
    });
  }

  availabilityZones(): Promise<readonly AvailabilityZone[]> {
    return this.read('zones', `Describing the Availability Zones of ${this.region}`, async () => {
      const response = await this.session.client(EC2Client).send(
        new DescribeAvailabilityZonesCommand({
          Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }],
        }),
        bounded(),
      );
      return response.AvailabilityZones ?? [];
    });
  }

  defaultSubnetZones(): Promise<ReadonlySet<string>> {
    return this.read('default-subnets', 'Listing default subnets', async () => {
      const client = this.session.client(EC2Client);
      const subnets = await collectPages(async (NextToken) => {
        const page = await client.send(
          new DescribeSubnetsCommand({
            Filters: [{ Name: 'default-for-az', Values: ['true'] }],
            NextToken,
          }),
          bounded(),
        );
        return [page.Subnets, page.NextToken];
      });
      return new Set(subnets.flatMap((subnet) => subnet.AvailabilityZone ?? []));
    });
  }

  subnetZoneIds(subnetIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return this.read(
      `subnets:${subnetIds.join(',')}`,
      `Describing subnets ${subnetIds.join(', ')}`,
      async () => {
        const response = await this.session
          .client(EC2Client)
          .send(new DescribeSubnetsCommand({ SubnetIds: [...subnetIds] }), bounded());
        const zones = new Map<string, string>();
        for (const subnet of response.Subnets ?? []) {
          if (subnet.SubnetId !== undefined && subnet.AvailabilityZoneId !== undefined) {
            zones.set(subnet.SubnetId, subnet.AvailabilityZoneId);
          }
        }
        return zones;
      },
    );
  }

  quota(serviceCode: string, quotaCode: string): Promise<Quota> {
    return this.read(
      `quota:${serviceCode}/${quotaCode}`,
      `Reading quota ${serviceCode}/${quotaCode}`,
      async () => {
        const client = this.session.client(ServiceQuotasClient);
        const input = { ServiceCode: serviceCode, QuotaCode: quotaCode };
        let source: Quota['source'] = 'applied';
        let quota;
        try {
          quota = (await client.send(new GetServiceQuotaCommand(input), bounded())).Quota;
        } catch (error) {
          // A quota never changed for the account may have no applied value: AWS's default holds.
          if (!isNotFound(error, 'NoSuchResourceException')) throw error;
          source = 'default';
          quota = (await client.send(new GetAWSDefaultServiceQuotaCommand(input), bounded())).Quota;
        }
        if (quota?.Value === undefined)
          throw new Error(`Service Quotas has no value for ${quotaCode}`);
        return { name: quota.QuotaName ?? quotaCode, value: quota.Value, source };
      },
    );
  }

  count(resource: CountedResource): Promise<number> {
    return this.read(`count:${resource}`, `Counting ${resource} in ${this.region}`, () =>
      this.countNow(resource),
    );
  }

  private async countNow(resource: CountedResource): Promise<number> {
    const ec2 = this.session.client(EC2Client);
    switch (resource) {
      case 'elastic-ips':
        return (await ec2.send(new DescribeAddressesCommand({}), bounded())).Addresses?.length ?? 0;
      case 'vpcs': {
        const vpcs = await collectPages(async (NextToken) => {
          const page = await ec2.send(new DescribeVpcsCommand({ NextToken }), bounded());
          return [page.Vpcs, page.NextToken];
        });
        return vpcs.length;
      }
      case 'internet-gateways': {
        const gateways = await collectPages(async (NextToken) => {
          const page = await ec2.send(
            new DescribeInternetGatewaysCommand({ NextToken }),
            bounded(),
          );
          return [page.InternetGateways, page.NextToken];
        });
        return gateways.length;
      }
      case 'db-instances': {
        const rds = this.session.client(RDSClient);
        const instances = await collectPages(async (Marker) => {
          const page = await rds.send(new DescribeDBInstancesCommand({ Marker }), bounded());
          return [page.DBInstances, page.Marker];
        });
        return instances.length;
      }
    }
  }

  secret(name: string): Promise<DescribeSecretResponse | undefined> {
    return this.read(`secret:${name}`, `Looking for secret ${name}`, async () => {
      try {
        return await this.session
          .client(SecretsManagerClient)
          .send(new DescribeSecretCommand({ SecretId: name }), bounded());
      } catch (error) {
        if (isNotFound(error, 'ResourceNotFoundException')) return undefined;
        throw error;
      }
    });
  }

  parameters(names: readonly string[]): Promise<ReadonlySet<string>> {
    return this.read(
      `parameters:${names.join(',')}`,
      `Looking for ${names.length} SSM parameters`,
      async () => {
        const client = this.session.client(SSMClient);
        const found = new Set<string>();
        // GetParameters takes at most 10 names.
        for (let start = 0; start < names.length; start += 10) {
          const response = await client.send(
            new GetParametersCommand({ Names: names.slice(start, start + 10) }),
            bounded(),
          );
          for (const parameter of response.Parameters ?? []) {
            if (parameter.Name !== undefined) found.add(parameter.Name);
          }
        }
        return found;
      },
    );
  }

  logGroupExists(name: string): Promise<boolean> {
    return this.read(`log-group:${name}`, `Looking for log group ${name}`, async () => {
      const response = await this.session
        .client(CloudWatchLogsClient)
        .send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 }), bounded());
      return (response.logGroups ?? []).some((group) => group.logGroupName === name);
    });
  }

  async instanceDrift(logicalId: string): Promise<StackResourceDrift | undefined> {
    const stack = await this.stack();
    if (stack === undefined) return undefined;
    return this.read(`drift:${logicalId}`, `Detecting drift of ${logicalId}`, async () => {
      const response = await this.session.client(CloudFormationClient).send(
        new DetectStackResourceDriftCommand({
          StackName: stack.id,
          LogicalResourceId: logicalId,
        }),
        bounded(),
      );
      return response.StackResourceDrift;
    });
  }

  changeSet(): Promise<ChangeSetOutcome> {
    return this.read(
      'change-set',
      'Creating a change set (read, then deleted; never executed)',
      () => this.createReadDelete(),
    );
  }

  private async createReadDelete(): Promise<ChangeSetOutcome> {
    const stack = await this.stack();
    if (stack === undefined) throw new Error('no stack to compute a change set against');
    const client = this.session.client(CloudFormationClient);
    const name = `spendsense-preflight-${this.now().getTime()}`;
    const template = await this.templateSource();
    await client.send(
      new CreateChangeSetCommand({
        StackName: stack.id,
        ChangeSetName: name,
        ChangeSetType: 'UPDATE',
        Description: 'spendsense-db preflight: read and deleted, never executed',
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        ...template,
      }),
      bounded(),
    );
    try {
      return await this.awaitChangeSet(client, stack.id, name);
    } finally {
      await client
        .send(new DeleteChangeSetCommand({ StackName: stack.id, ChangeSetName: name }), bounded())
        .catch(() => undefined);
    }
  }

  private async awaitChangeSet(
    client: CloudFormationClient,
    stackId: string,
    name: string,
  ): Promise<ChangeSetOutcome> {
    const deadline = Date.now() + CHANGE_SET_TIMEOUT_MILLIS;
    for (;;) {
      const first = await client.send(
        new DescribeChangeSetCommand({ StackName: stackId, ChangeSetName: name }),
        bounded(),
      );
      if (first.Status === 'CREATE_COMPLETE') {
        const changes = [...(first.Changes ?? [])];
        let nextToken = first.NextToken;
        while (nextToken !== undefined) {
          const page = await client.send(
            new DescribeChangeSetCommand({
              StackName: stackId,
              ChangeSetName: name,
              NextToken: nextToken,
            }),
            bounded(),
          );
          changes.push(...(page.Changes ?? []));
          nextToken = page.NextToken;
        }
        return { kind: 'changes', name, changes };
      }
      if (first.Status === 'FAILED') {
        const reason = first.StatusReason ?? 'no reason given';
        // CloudFormation fails a change set without changes rather than creating an empty one.
        return /didn't contain changes|No updates are to be performed/i.test(reason)
          ? { kind: 'no-changes', name }
          : { kind: 'failed', name, reason };
      }
      if (Date.now() > deadline) {
        return {
          kind: 'failed',
          name,
          reason: `still ${first.Status ?? 'pending'} after ${CHANGE_SET_TIMEOUT_MILLIS / 1000} s`,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMillis));
    }
  }

  /**
   * The template in the request when it is small enough; otherwise uploaded where `cdk deploy`
   * uploads it (the bootstrap bucket, under its content hash) and named by URL.
   */
  private async templateSource(): Promise<{ TemplateBody: string } | { TemplateURL: string }> {
    const { templateText, artifact } = this.synthesized;
    const minified = JSON.stringify(JSON.parse(templateText));
    if (Buffer.byteLength(minified) <= TEMPLATE_BODY_LIMIT_BYTES) return { TemplateBody: minified };
    const { account, partition } = await this.identity();
    const location = /^s3:\/\/([^/]+)\/(.+)$/.exec(
      (artifact.templateAssetUrl ?? '')
        .replaceAll('${AWS::AccountId}', account)
        .replaceAll('${AWS::Region}', this.region)
        .replaceAll('${AWS::Partition}', partition),
    );
    if (location === null) {
      throw new Error(
        'the template is too large to send and the cloud assembly names no asset location',
      );
    }
    const [, bucket = '', key = ''] = location;
    await this.session.client(S3Client).send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: templateText,
        ContentType: 'application/json',
      }),
      bounded(60_000),
    );
    return { TemplateURL: `https://${bucket}.s3.${this.region}.amazonaws.com/${key}` };
  }

  private read<T>(key: string, label: string, task: () => Promise<T>): Promise<T> {
    return this.reads.read(key, label, task);
  }
}

/** Whether an AWS error says the thing asked for does not exist. */
function isNotFound(error: unknown, code: string, message?: RegExp): boolean {
  const failure = classifyAwsError(error);
  return failure.code === code && (message === undefined || message.test(failure.summary));
}
