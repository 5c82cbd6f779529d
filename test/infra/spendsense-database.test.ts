import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, test } from 'vitest';
import {
  SpendSenseDatabase,
  type SpendSenseDatabaseProps,
} from '../../src/infra/database/spendsense-database.js';

/** A bare stack: no stage configuration, no compliance packs, no bundling. */
function newStack(): Stack {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  return new Stack(app, 'Bare', { env: { region: 'us-east-1' } });
}

describe('SpendSenseDatabase props', () => {
  test.each<[string, Partial<SpendSenseDatabaseProps>, string]>([
    [
      'a cap at the allocated size',
      { allocatedStorageGiB: 40, maxAllocatedStorageGiB: 40 },
      '`maxAllocatedStorageGiB` must be greater than `allocatedStorageGiB` (40). Got 40.',
    ],
    [
      'a cap below the default allocation',
      { maxAllocatedStorageGiB: 10 },
      '`maxAllocatedStorageGiB` must be greater than `allocatedStorageGiB` (20). Got 10.',
    ],
    [
      'gp3 below 20 GiB',
      { allocatedStorageGiB: 10 },
      '`allocatedStorageGiB` must be at least 20 for gp3 storage. Got 10.',
    ],
    [
      'backups turned off',
      { backupRetention: Duration.days(0) },
      '`backupRetention` must be 1 to 35 days: 0 would turn backups off. Got 0 days.',
    ],
    [
      'backups kept too long',
      { backupRetention: Duration.days(36) },
      '`backupRetention` must be 1 to 35 days: 0 would turn backups off. Got 36 days.',
    ],
    [
      'three endpoint AZs',
      { secretsManagerEndpointAzs: 3 },
      '`secretsManagerEndpointAzs` must be 1 or 2 (the VPC has two AZs). Got 3.',
    ],
    [
      'snapshots of log groups',
      { logRemovalPolicy: RemovalPolicy.SNAPSHOT },
      '`logRemovalPolicy` cannot be `RemovalPolicy.SNAPSHOT`',
    ],
    [
      'a rotation interval with rotation off',
      { passwordRotation: false, passwordRotationInterval: Duration.days(7) },
      '`passwordRotationInterval` can only be set with `passwordRotation`. Got 7 days with rotation off.',
    ],
    [
      'a rotation interval of a fraction of a day',
      { passwordRotationInterval: Duration.hours(36) },
      '`passwordRotationInterval` must be a whole number of days from 1 to 1000. Got 1 day 12 hours.',
    ],
    [
      'a probe reservation of nothing',
      { probeReservedConcurrency: 0 },
      '`probeReservedConcurrency` must be a whole number of at least 1 (leave it out to reserve nothing). Got 0.',
    ],
    [
      'a rotation reservation with rotation off',
      { passwordRotation: false, rotationReservedConcurrency: 10 },
      '`rotationReservedConcurrency` can only be set with `passwordRotation`. Got 10 with rotation off.',
    ],
    [
      'an instance class the alarms cannot derive thresholds for',
      { instanceType: new ec2.InstanceType('m5.metal') },
      'without the db. prefix: the alarm thresholds derive from it. Got m5.metal.',
    ],
    [
      'an invalid alarm email address',
      { alarmEmailAddresses: ['ops'] },
      '`emailAddresses` must hold email addresses such as ops@example.com. Got "ops".',
    ],
  ])('rejects %s at once, naming the props and the value', (_case, props, message) => {
    expect(
      () => new SpendSenseDatabase(newStack(), 'Database', { stage: 'dev', ...props }),
    ).toThrow(message);
  });

  test('documented defaults: db.t3.micro, 20 of 50 GiB, 7 days, single-AZ, endpoint in two AZs', () => {
    const stack = newStack();
    new SpendSenseDatabase(stack, 'Database', { stage: 'dev' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: '20',
      MaxAllocatedStorage: 50,
      BackupRetentionPeriod: 7,
      MultiAZ: false,
      DeletionProtection: false,
      PubliclyAccessible: false,
    });
    expect(
      Object.values(template.findResources('AWS::EC2::VPCEndpoint'))[0]?.Properties.SubnetIds,
    ).toHaveLength(2);
  });

  test('documented defaults: rotation every 30 days and alarms; no proxy, no access host', () => {
    const stack = newStack();
    new SpendSenseDatabase(stack, 'Database', { stage: 'dev' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { AutomaticallyAfterDays: 30 },
    });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::RDS::DBProxy', 0);
    template.resourceCountIs('AWS::EC2::Instance', 0);
  });
});
