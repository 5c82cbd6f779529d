import { Aws, Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import {
  INSTANCE_CLASS_ALLOWED,
  instanceCapacity,
  type InstanceCapacity,
} from '../../shared/instance-classes.js';
import { deriveThresholds, type AlarmThresholds } from './thresholds.js';

/** The alarms, by the suffix of their names. */
export type DatabaseAlarmName =
  | 'cpu-utilization'
  | 'freeable-memory'
  | 'free-storage-space'
  | 'connections'
  | 'read-latency'
  | 'write-latency'
  | 'cpu-credit-balance'
  | 'burst-balance';

export interface DatabaseAlarmsProps {
  /** The instance whose metrics are watched. */
  readonly instance: rds.IDatabaseInstance;

  /** The instance class, `db.<family>.<size>` as in the stage configuration: the thresholds derive from it. */
  readonly instanceClass: string;

  /** Storage allocated at creation, in GiB: the free-storage threshold is a share of it. */
  readonly allocatedStorageGiB: number;

  /**
   * The storage type. Only gp2 spends I/O burst credits, so only gp2 gets a burst-balance alarm.
   * @default rds.StorageType.GP3
   */
  readonly storageType?: rds.StorageType;

  /**
   * Encrypts the alarm topic. Its key policy gains a statement letting CloudWatch use the key
   * for this one topic (an encrypted topic refuses CloudWatch otherwise), so it must be a key
   * this stack manages, not an imported one.
   */
  readonly encryptionKey: kms.IKey;

  /**
   * Starts every alarm name (`<prefix>-cpu-utilization`, ...) and names the topic
   * `<prefix>-alarms`. Letters, digits, `-` and `_`, at most 200 characters.
   */
  readonly namePrefix: string;

  /**
   * Email addresses subscribed to the topic. Each receives a confirmation message from AWS and
   * gets alarms only after confirming.
   * @default - no subscription: the topic can be subscribed to later
   */
  readonly emailAddresses?: readonly string[];

  /**
   * The server's `max_connections`, when it is known (a parameter group sets it, or
   * `spendsense-db check` reported it).
   * @default - estimated from the instance class's memory with the RDS default formula
   */
  readonly maxConnections?: number;
}

const PERIOD = Duration.minutes(5);
/** Three consecutive five-minute periods: long enough to skip a spike, short enough to act on. */
const EVALUATION_PERIODS = 3;
const NAME_PREFIX = /^[A-Za-z0-9_-]{1,200}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOCS = 'First steps: docs/operations.md, section Alarms.';

/**
 * CloudWatch alarms on an RDS for PostgreSQL instance, with thresholds derived from its class
 * and storage, notifying an encrypted SNS topic when they fire and when they recover.
 */
export class DatabaseAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly thresholds: AlarmThresholds;
  readonly capacity: InstanceCapacity;
  readonly alarms: Readonly<Partial<Record<DatabaseAlarmName, cloudwatch.Alarm>>>;

  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    this.capacity = validateProps(props);
    const storageType = props.storageType ?? rds.StorageType.GP3;
    this.thresholds = deriveThresholds(this.capacity, {
      allocatedStorageGiB: props.allocatedStorageGiB,
      storageType,
      ...(props.maxConnections !== undefined && { maxConnections: props.maxConnections }),
    });

    const topicName = `${props.namePrefix}-alarms`;
    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      displayName: `${props.namePrefix} alarms`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    allowCloudWatchToPublish(this.topic, props.encryptionKey, topicName, props.namePrefix);
    for (const address of props.emailAddresses ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(address));
    }

    this.alarms = this.createAlarms(props.instance, props.namePrefix);
    const notify = new actions.SnsAction(this.topic);
    for (const alarm of Object.values(this.alarms)) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }

  private createAlarms(
    instance: rds.IDatabaseInstance,
    prefix: string,
  ): Partial<Record<DatabaseAlarmName, cloudwatch.Alarm>> {
    const t = this.thresholds;
    const { instanceClass, memoryGiB } = this.capacity;
    const metric = (name: string, statistic: string): cloudwatch.Metric =>
      instance.metric(name, { period: PERIOD, statistic });
    const alarm = (
      name: DatabaseAlarmName,
      options: {
        metric: cloudwatch.IMetric;
        threshold: number;
        above: boolean;
        description: string;
      },
    ): cloudwatch.Alarm =>
      new cloudwatch.Alarm(this, name, {
        alarmName: `${prefix}-${name}`,
        alarmDescription: `${options.description} ${DOCS}`,
        metric: options.metric,
        threshold: options.threshold,
        comparisonOperator: options.above
          ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
          : cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: EVALUATION_PERIODS,
        datapointsToAlarm: EVALUATION_PERIODS,
        // No data cannot mean "too high", so it never raises an "above" alarm. For the "below"
        // alarms it proves nothing either way (a stopped dev instance reports nothing): the
        // alarm keeps its state rather than recovering or firing on silence.
        treatMissingData: options.above
          ? cloudwatch.TreatMissingData.NOT_BREACHING
          : cloudwatch.TreatMissingData.MISSING,
      });

    const alarms: Partial<Record<DatabaseAlarmName, cloudwatch.Alarm>> = {
      'cpu-utilization': alarm('cpu-utilization', {
        metric: metric('CPUUtilization', 'Average'),
        threshold: t.cpuUtilizationPercent,
        above: true,
        description: `CPU above ${t.cpuUtilizationPercent}% for 15 minutes on ${instanceClass}.`,
      }),
      'freeable-memory': alarm('freeable-memory', {
        metric: metric('FreeableMemory', 'Minimum'),
        threshold: t.freeableMemoryBytes,
        above: false,
        description: `Freeable memory below 10% of the ${memoryGiB} GiB of ${instanceClass} for 15 minutes.`,
      }),
      'free-storage-space': alarm('free-storage-space', {
        metric: metric('FreeStorageSpace', 'Minimum'),
        threshold: t.freeStorageSpaceBytes,
        above: false,
        description: `Free storage below ${formatGiB(t.freeStorageSpaceBytes)} GiB (20% of the allocated storage) for 15 minutes.`,
      }),
      connections: alarm('connections', {
        metric: metric('DatabaseConnections', 'Maximum'),
        threshold: t.databaseConnections,
        above: true,
        description: `More than ${t.databaseConnections} connections (80% of max_connections, ${t.maxConnections}) for 15 minutes.`,
      }),
      'read-latency': alarm('read-latency', {
        metric: metric('ReadLatency', 'Average'),
        threshold: t.readLatencySeconds,
        above: true,
        description: `Average read latency above ${t.readLatencySeconds * 1000} ms for 15 minutes.`,
      }),
      'write-latency': alarm('write-latency', {
        metric: metric('WriteLatency', 'Average'),
        threshold: t.writeLatencySeconds,
        above: true,
        description: `Average write latency above ${t.writeLatencySeconds * 1000} ms for 15 minutes.`,
      }),
    };
    if (t.cpuCreditBalance !== undefined) {
      alarms['cpu-credit-balance'] = alarm('cpu-credit-balance', {
        metric: metric('CPUCreditBalance', 'Minimum'),
        threshold: t.cpuCreditBalance,
        above: false,
        description: `CPU credit balance below ${t.cpuCreditBalance} (10% of the most ${instanceClass} can hold) for 15 minutes.`,
      });
    }
    if (t.burstBalancePercent !== undefined) {
      alarms['burst-balance'] = alarm('burst-balance', {
        metric: metric('BurstBalance', 'Minimum'),
        threshold: t.burstBalancePercent,
        above: false,
        description: `gp2 I/O burst balance below ${t.burstBalancePercent}% for 15 minutes.`,
      });
    }
    return alarms;
  }
}

/**
 * CloudWatch publishes to the topic as a service: the topic policy lets it, for alarms of this
 * account whose names carry the prefix, and the key policy lets it encrypt for this topic only
 * (SNS always sends the topic ARN as the encryption context). The topic ARN is built from its
 * name: referencing the topic from the key policy would be a circular dependency.
 */
function allowCloudWatchToPublish(
  topic: sns.Topic,
  key: kms.IKey,
  topicName: string,
  prefix: string,
): void {
  const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowThisStackAlarmsToPublish',
      principals: [cloudwatchService],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: {
          'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${prefix}-*`,
        },
      },
    }),
  );
  const { statementAdded } = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: `AllowCloudWatchToEncryptFor${topicName.replace(/[^A-Za-z0-9]/g, '')}`,
      principals: [cloudwatchService],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:EncryptionContext:aws:sns:topicArn': `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${topicName}`,
        },
      },
    }),
  );
  if (!statementAdded) {
    throw new Error(
      '`encryptionKey` must be a key whose policy this stack manages: CloudWatch needs a statement in it to publish to the encrypted topic. Got an imported key.',
    );
  }
}

function validateProps(props: DatabaseAlarmsProps): InstanceCapacity {
  const capacity = instanceCapacity(props.instanceClass);
  if (capacity === undefined) {
    throw new Error(
      `\`instanceClass\` must be ${INSTANCE_CLASS_ALLOWED}. Got ${props.instanceClass}.`,
    );
  }
  if (!NAME_PREFIX.test(props.namePrefix)) {
    throw new Error(
      `\`namePrefix\` must be 1 to 200 letters, digits, \`-\` or \`_\` (it names the alarms and the topic). Got ${JSON.stringify(props.namePrefix)}.`,
    );
  }
  const storage = props.allocatedStorageGiB;
  if (!Token.isUnresolved(storage) && !(Number.isInteger(storage) && storage > 0)) {
    throw new Error(`\`allocatedStorageGiB\` must be a positive integer. Got ${storage}.`);
  }
  const max = props.maxConnections;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= 262_143)) {
    throw new Error(
      `\`maxConnections\` must be an integer from 1 to 262143 (PostgreSQL's limit). Got ${max}.`,
    );
  }
  const seen = new Set<string>();
  for (const address of props.emailAddresses ?? []) {
    if (!EMAIL.test(address)) {
      throw new Error(
        `\`emailAddresses\` must hold email addresses such as ops@example.com. Got ${JSON.stringify(address)}.`,
      );
    }
    const normalized = address.toLowerCase();
    if (seen.has(normalized)) {
      throw new Error(
        `\`emailAddresses\` must list each address once (a repeated subscription fails the deployment). Got ${address} twice.`,
      );
    }
    seen.add(normalized);
  }
  return capacity;
}

function formatGiB(bytes: number): string {
  return String(Math.round((bytes / 1024 ** 3) * 10) / 10);
}
