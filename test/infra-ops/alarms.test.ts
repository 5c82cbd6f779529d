import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { describe, expect, test } from 'vitest';
import {
  DatabaseAlarms,
  type DatabaseAlarmsProps,
} from '../../src/infra/alarms/database-alarms.js';
import { estimatedMaxConnections } from '../../src/shared/max-connections.js';
import { instanceCapacity } from '../../src/shared/instance-classes.js';
import {
  createFixture,
  findingsUnder,
  synthWithCompliance,
  type OpsFixture,
} from './support/fixture.js';

const PREFIX = 'spendsense-dev-database';
const GIB = 1024 ** 3;

function alarmsOn(fixture: OpsFixture, props: Partial<DatabaseAlarmsProps> = {}): DatabaseAlarms {
  return new DatabaseAlarms(fixture.stack, 'Alarms', {
    instance: fixture.instance,
    instanceClass: 'db.t3.micro',
    allocatedStorageGiB: 20,
    encryptionKey: fixture.key,
    namePrefix: PREFIX,
    ...props,
  });
}

/** The alarm resource named `<prefix>-<suffix>`, or undefined. */
function alarmNamed(template: Template, suffix: string): Record<string, unknown> | undefined {
  const found = Object.values(
    template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: `${PREFIX}-${suffix}` },
    }),
  );
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.Properties as Record<string, unknown> | undefined;
}

describe('max_connections', () => {
  test('max_connections follows LEAST(memory / 9531392, 5000) with a quarter of the memory held back', () => {
    const micro = instanceCapacity('db.t3.micro');
    const huge = instanceCapacity('db.r6g.16xlarge');
    // 0.75 × 1 GiB / 9531392 = 84.5; the nominal formula would say 112.
    expect(micro && estimatedMaxConnections(micro)).toBe(84);
    expect(huge && estimatedMaxConnections(huge)).toBe(5000);
  });
});

describe('thresholds derived from the instance class', () => {
  // memory threshold = 10% of memory; connections = 80% of 0.75 × memory / 9531392;
  // CPU credits = 10% of 24 hours of earnings (t3/t4g micro 12/h, small 24/h).
  test.each([
    ['db.t3.micro', 107_374_182, 67, 29],
    ['db.t4g.small', 214_748_365, 134, 58],
    ['db.m6g.large', 858_993_459, 540, undefined],
    ['db.r6g.xlarge', 3_435_973_837, 2162, undefined],
  ])('%s', (instanceClass, memoryBytes, connections, creditBalance) => {
    const fixture = createFixture();
    alarmsOn(fixture, { instanceClass });
    const template = Template.fromStack(fixture.stack);

    expect(alarmNamed(template, 'freeable-memory')).toMatchObject({
      Threshold: memoryBytes,
      ComparisonOperator: 'LessThanThreshold',
    });
    expect(alarmNamed(template, 'connections')).toMatchObject({
      Threshold: connections,
      ComparisonOperator: 'GreaterThanThreshold',
      Statistic: 'Maximum',
    });
    expect(alarmNamed(template, 'cpu-utilization')).toMatchObject({
      Threshold: 80,
      Statistic: 'Average',
    });
    expect(alarmNamed(template, 'free-storage-space')).toMatchObject({ Threshold: 0.2 * 20 * GIB });
    expect(alarmNamed(template, 'read-latency')).toMatchObject({
      Threshold: 0.02,
      MetricName: 'ReadLatency',
    });
    expect(alarmNamed(template, 'write-latency')).toMatchObject({
      Threshold: 0.02,
      MetricName: 'WriteLatency',
    });
    if (creditBalance === undefined) {
      expect(alarmNamed(template, 'cpu-credit-balance')).toBeUndefined();
    } else {
      expect(alarmNamed(template, 'cpu-credit-balance')).toMatchObject({
        MetricName: 'CPUCreditBalance',
        Threshold: creditBalance,
        ComparisonOperator: 'LessThanThreshold',
      });
    }
    // gp3: no I/O burst credits to watch.
    expect(alarmNamed(template, 'burst-balance')).toBeUndefined();
  });

  test('a known max_connections replaces the estimate', () => {
    const fixture = createFixture();
    alarmsOn(fixture, { maxConnections: 100 });
    expect(alarmNamed(Template.fromStack(fixture.stack), 'connections')).toMatchObject({
      Threshold: 80,
    });
  });

  test('the storage threshold is 20% of the allocated storage', () => {
    const fixture = createFixture();
    alarmsOn(fixture, { allocatedStorageGiB: 100 });
    expect(alarmNamed(Template.fromStack(fixture.stack), 'free-storage-space')).toMatchObject({
      Threshold: 20 * GIB,
      Statistic: 'Minimum',
    });
  });

  test('gp2 storage gets a burst-balance alarm', () => {
    const fixture = createFixture({ storageType: rds.StorageType.GP2 });
    alarmsOn(fixture, { storageType: rds.StorageType.GP2 });
    expect(alarmNamed(Template.fromStack(fixture.stack), 'burst-balance')).toMatchObject({
      MetricName: 'BurstBalance',
      Threshold: 20,
      ComparisonOperator: 'LessThanThreshold',
    });
  });
});

describe('every alarm', () => {
  const fixture = createFixture();
  const alarms = alarmsOn(fixture);
  const template = Template.fromStack(fixture.stack);
  const topic = fixture.stack.resolve(alarms.topic.topicArn);
  const all = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) => alarm.Properties,
  );

  test('a burstable class on gp3 gets seven alarms', () => {
    expect(all.map((alarm) => alarm.AlarmName).sort()).toEqual(
      [
        'connections',
        'cpu-credit-balance',
        'cpu-utilization',
        'free-storage-space',
        'freeable-memory',
        'read-latency',
        'write-latency',
      ].map((suffix) => `${PREFIX}-${suffix}`),
    );
  });

  test('watches this instance over three five-minute periods', () => {
    expect(all).toHaveLength(7);
    for (const alarm of all) {
      expect(alarm).toMatchObject({
        Namespace: 'AWS/RDS',
        Dimensions: [
          {
            Name: 'DBInstanceIdentifier',
            Value: fixture.stack.resolve(fixture.instance.instanceIdentifier),
          },
        ],
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
      });
    }
  });

  test('notifies the topic when it fires and when it recovers', () => {
    expect(all).toHaveLength(7);
    for (const alarm of all) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    }
  });

  test('treats missing data as not breaching for "above" alarms and as missing for "below" alarms', () => {
    expect(all).toHaveLength(7);
    for (const alarm of all) {
      const expected =
        alarm.ComparisonOperator === 'GreaterThanThreshold' ? 'notBreaching' : 'missing';
      expect(alarm.TreatMissingData, String(alarm.AlarmName)).toBe(expected);
    }
  });

  test('points the operator at docs/operations.md', () => {
    expect(all).toHaveLength(7);
    for (const alarm of all)
      expect(alarm.AlarmDescription).toMatch(/docs\/operations\.md, section Alarms\.$/);
  });
});

describe('the alarm topic', () => {
  const fixture = createFixture();
  const alarms = alarmsOn(fixture);
  const template = Template.fromStack(fixture.stack);
  const topic = fixture.stack.resolve(alarms.topic.topicArn);
  const topicArnFromName = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':sns:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:${PREFIX}-alarms`,
      ],
    ],
  };

  test('is encrypted with the stage key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: `${PREFIX}-alarms`,
      KmsMasterKeyId: fixture.stack.resolve(fixture.key.keyArn),
    });
  });

  test('refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test("lets CloudWatch publish for this account's alarms with the prefix only", () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': Match.objectLike({
                  'Fn::Join': ['', Match.arrayWith([`:alarm:${PREFIX}-*`])],
                }),
              },
            },
          }),
        ]),
      },
    });
  });

  test('the key policy lets CloudWatch encrypt for this topic only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: Match.anyValue(),
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: {
              StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArnFromName },
            },
          },
        ]),
      },
    });
  });

  test("the topic ARN in the key policy ends with the topic's real name", () => {
    // The key policy builds the ARN from the name (a reference would be circular): they must agree.
    const [topicResource] = Object.values(template.findResources('AWS::SNS::Topic'));
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    const statement = key?.Properties.KeyPolicy.Statement.find(
      (candidate: { Principal?: { Service?: string } }) =>
        candidate.Principal?.Service === 'cloudwatch.amazonaws.com',
    );
    const arnParts = statement.Condition.StringEquals['kms:EncryptionContext:aws:sns:topicArn'][
      'Fn::Join'
    ][1] as unknown[];
    expect(arnParts.at(-1)).toBe(`:${topicResource?.Properties.TopicName}`);
  });

  test('has no subscription unless email addresses are given', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('subscribes each given email address', () => {
    const withEmail = createFixture();
    const subscribed = alarmsOn(withEmail, {
      emailAddresses: ['ops@example.com', 'oncall@example.com'],
    });
    const subscriptions = Template.fromStack(withEmail.stack).findResources(
      'AWS::SNS::Subscription',
    );
    expect(Object.values(subscriptions).map((s) => s.Properties)).toEqual([
      {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: withEmail.stack.resolve(subscribed.topic.topicArn),
      },
      {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        TopicArn: withEmail.stack.resolve(subscribed.topic.topicArn),
      },
    ]);
  });
});

describe('conflicting props are rejected with the prop and the value', () => {
  test.each<[string, Partial<DatabaseAlarmsProps>, string]>([
    ['an unknown class', { instanceClass: 'db.t3.mirco' }, 'Got db.t3.mirco.'],
    [
      'a class without the db. prefix',
      { instanceClass: 't3.micro' },
      '`instanceClass` must be an RDS for PostgreSQL instance class "db.<family>.<size>"',
    ],
    [
      'a name prefix with spaces',
      { namePrefix: 'spend sense' },
      '`namePrefix` must be 1 to 200 letters, digits, `-` or `_` (it names the alarms and the topic). Got "spend sense".',
    ],
    [
      'no storage',
      { allocatedStorageGiB: 0 },
      '`allocatedStorageGiB` must be a positive integer. Got 0.',
    ],
    [
      'a max_connections of zero',
      { maxConnections: 0 },
      "`maxConnections` must be an integer from 1 to 262143 (PostgreSQL's limit). Got 0.",
    ],
    [
      'a malformed email address',
      { emailAddresses: ['ops-at-example.com'] },
      '`emailAddresses` must hold email addresses such as ops@example.com. Got "ops-at-example.com".',
    ],
    [
      'a repeated email address',
      { emailAddresses: ['ops@example.com', 'OPS@example.com'] },
      '`emailAddresses` must list each address once (a repeated subscription fails the deployment). Got OPS@example.com twice.',
    ],
  ])('%s', (_name, props, message) => {
    expect(() => alarmsOn(createFixture(), props)).toThrow(message);
  });

  test('an imported key, whose policy CloudWatch cannot be added to', () => {
    const fixture = createFixture();
    const imported = kms.Key.fromKeyArn(
      fixture.stack,
      'Imported',
      'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(() => alarmsOn(fixture, { encryptionKey: imported })).toThrow(
      '`encryptionKey` must be a key whose policy this stack manages: CloudWatch needs a statement in it to publish to the encrypted topic. Got an imported key.',
    );
  });
});

describe('compliance (AwsSolutions, NIST 800-53 R5, PCI DSS 3.2.1)', () => {
  test('synth passes with the packs and nothing in the alarms needs acknowledging', () => {
    const fixture = createFixture();
    const alarms = alarmsOn(fixture, { emailAddresses: ['ops@example.com'] });
    expect(() => synthWithCompliance(fixture)).not.toThrow();
    expect(findingsUnder(fixture, alarms)).toEqual([]);
  });
});
