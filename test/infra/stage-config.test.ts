import { describe, expect, test } from 'vitest';
import { StageConfigError, loadStageConfigs } from '../../src/infra/config/load-stage-configs.js';
import { resolveRegion } from '../../src/infra/config/region.js';
import { STAGE_CONFIGS } from '../../src/infra/config/stages.js';

function problemsOf(context: Record<string, unknown>): readonly string[] {
  try {
    loadStageConfigs(context);
  } catch (error) {
    if (error instanceof StageConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('the stage configuration', () => {
  test('accepts the committed dev and prod values unchanged', () => {
    expect(loadStageConfigs({})).toEqual(STAGE_CONFIGS);
  });

  // Each row: a context override, then fragments the one resulting message must contain:
  // the field, the bad value, and what is allowed.
  test.each([
    ['spendsense:dev:backupRetentionDays', '3', ['dev.backupRetentionDays', 'got 3', '7 to 35']],
    ['spendsense:dev:backupRetentionDays', '36', ['dev.backupRetentionDays', 'got 36', '7 to 35']],
    [
      'spendsense:prod:backupRetentionDays',
      '7',
      ['prod.backupRetentionDays', 'got 7', '14 to 35 in prod'],
    ],
    [
      'spendsense:dev:instanceClass',
      't3.micro',
      ['dev.instanceClass', 'got "t3.micro"', 'db.<family>.<size>'],
    ],
    [
      'spendsense:dev:instanceClass',
      'db.t3.mirco',
      ['dev.instanceClass', 'got "db.t3.mirco"', 'db.t3.micro'],
    ],
    [
      'spendsense:prod:instanceClass',
      'db.m5.micro',
      ['prod.instanceClass', 'got "db.m5.micro"', 'db.m6g.large'],
    ],
    [
      'spendsense:dev:engineMajorVersion',
      '16',
      ['dev.engineMajorVersion', 'got 16', '15 (the only'],
    ],
    ['spendsense:dev:storageType', 'gp2', ['dev.storageType', 'got "gp2"', '"gp3"']],
    [
      'spendsense:dev:allocatedStorageGiB',
      '10',
      ['dev.allocatedStorageGiB', 'got 10', '20 to 65536'],
    ],
    [
      'spendsense:dev:maxAllocatedStorageGiB',
      '20',
      ['dev.maxAllocatedStorageGiB', 'got 20', 'more than allocatedStorageGiB (20)'],
    ],
    [
      'spendsense:dev:maxAllocatedStorageGiB',
      'lots',
      ['dev.maxAllocatedStorageGiB', 'got "lots"', 'an integer up to 65536'],
    ],
    ['spendsense:prod:multiAz', 'false', ['prod.multiAz', 'got false', 'true in prod']],
    [
      'spendsense:prod:deletionProtection',
      'false',
      ['prod.deletionProtection', 'got false', 'true in prod'],
    ],
    ['spendsense:dev:multiAz', 'yes', ['dev.multiAz', 'got "yes"', 'true or false']],
    [
      'spendsense:prod:secretsManagerEndpointAzs',
      '1',
      ['prod.secretsManagerEndpointAzs', 'got 1', '2 in prod'],
    ],
    [
      'spendsense:dev:secretsManagerEndpointAzs',
      '3',
      ['dev.secretsManagerEndpointAzs', 'got 3', '1 or 2'],
    ],
    ['spendsense:dev:logRetentionDays', '10', ['dev.logRetentionDays', 'got 10', '14, 30, 60']],
    [
      'spendsense:dev:preferredBackupWindow',
      '3am',
      ['dev.preferredBackupWindow', 'got "3am"', 'hh24:mi-hh24:mi'],
    ],
    [
      'spendsense:dev:preferredBackupWindow',
      '03:00-03:10',
      ['dev.preferredBackupWindow', 'got "03:00-03:10"', 'at least 30 minutes'],
    ],
    [
      'spendsense:dev:preferredBackupWindow',
      '04:00-04:30',
      [
        'dev.preferredBackupWindow',
        'got "04:00-04:30"',
        'does not overlap preferredMaintenanceWindow',
      ],
    ],
    [
      'spendsense:dev:preferredMaintenanceWindow',
      'sunday 04:00',
      ['dev.preferredMaintenanceWindow', 'got "sunday 04:00"', 'ddd:hh24:mi-ddd:hh24:mi'],
    ],
    [
      'spendsense:prod:rotation.enabled',
      'false',
      ['prod.rotation.enabled', 'got false', 'true in prod'],
    ],
    [
      'spendsense:dev:rotation.enabled',
      'sometimes',
      ['dev.rotation.enabled', 'got "sometimes"', 'true or false'],
    ],
    ['spendsense:dev:rotation.days', '0', ['dev.rotation.days', 'got 0', 'from 1 to 365']],
    ['spendsense:dev:rotation.days', '400', ['dev.rotation.days', 'got 400', 'from 1 to 365']],
    ['spendsense:dev:rotation.days', '7.5', ['dev.rotation.days', 'got 7.5', 'an integer']],
    [
      'spendsense:dev:accessHost.enabled',
      'yes',
      ['dev.accessHost.enabled', 'got "yes"', 'true or false'],
    ],
    [
      'spendsense:dev:alarms.emailAddresses',
      'ops@example',
      ['dev.alarms.emailAddresses[0]', 'got "ops@example"', 'an email address such as'],
    ],
    [
      'spendsense:dev:alarms.emailAddresses',
      'ops@example.com,OPS@example.com',
      ['dev.alarms.emailAddresses[1]', 'got "OPS@example.com"', 'each address once'],
    ],
    [
      'spendsense:dev:alarms.emailAddresses',
      Array.from({ length: 11 }, (_, index) => `ops${index}@example.com`).join(','),
      ['dev.alarms.emailAddresses', 'got ["ops0@example.com"', 'at most 10 email addresses'],
    ],
    ['spendsense:prod:proxy.enabled', 'on', ['prod.proxy.enabled', 'got "on"', 'true or false']],
    [
      // Retired: the proxy always takes IAM authentication from clients, end to end.
      'spendsense:prod:proxy.iamAuth',
      'true',
      ['spendsense:prod:proxy.iamAuth: unknown key', 'proxy.enabled'],
    ],
    [
      'spendsense:dev:accessHost',
      'true',
      ['context spendsense:dev:accessHost', 'unknown key', 'accessHost.enabled'],
    ],
    [
      'spendsense:dev:multiAZ',
      'true',
      ['context spendsense:dev:multiAZ', 'unknown key', 'multiAz'],
    ],
    [
      'spendsense:qa:instanceClass',
      'db.t3.micro',
      ['context spendsense:qa:instanceClass', 'unknown key', '<dev|prod>'],
    ],
  ])(
    'refuses %s=%s with a message naming field, value and what is allowed',
    (key, value, fragments) => {
      const problems = problemsOf({ [key]: value });
      expect(problems).toHaveLength(1);
      for (const fragment of fragments) expect(problems[0]).toContain(fragment);
    },
  );

  test('says which context key a bad value came from', () => {
    expect(problemsOf({ 'spendsense:prod:multiAz': 'false' })[0]).toContain(
      '(from context spendsense:prod:multiAz)',
    );
  });

  test('reports every problem of every stage in one error', () => {
    const problems = problemsOf({
      'spendsense:dev:storageType': 'io2',
      'spendsense:prod:multiAz': 'false',
      'spendsense:prod:deletionProtection': 'false',
    });
    expect(problems).toHaveLength(3);
  });

  test('the error message starts by saying nothing was synthesized and lists each problem', () => {
    const error = (() => {
      try {
        loadStageConfigs({ 'spendsense:prod:multiAz': false });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a StageConfigError');
    })();
    expect(error.name).toBe('StageConfigError');
    expect(error.message).toMatch(
      /^Invalid stage configuration; nothing was synthesized\.\n {2}- prod\.multiAz/,
    );
  });

  test.each([
    [
      'a comma-separated list',
      'ops@example.com, dba@example.com',
      ['ops@example.com', 'dba@example.com'],
    ],
    ['a JSON array', '["ops@example.com"]', ['ops@example.com']],
    ['an empty string', '', []],
    ['an array (cdk.json)', ['ops@example.com'], ['ops@example.com']],
  ])('reads a list from context given as %s', (_form, value, expected) => {
    expect(
      loadStageConfigs({ 'spendsense:dev:alarms.emailAddresses': value }).dev.alarms.emailAddresses,
    ).toEqual(expected);
  });

  test.each([
    ['spendsense:dev:backupRetentionDays', '10', 'backupRetentionDays', 10],
    ['spendsense:dev:multiAz', 'true', 'multiAz', true],
    ['spendsense:dev:instanceClass', 'db.t4g.small', 'instanceClass', 'db.t4g.small'],
    ['spendsense:dev:backupRetentionDays', 12, 'backupRetentionDays', 12],
  ] as const)('reads %s=%s with the type of the field', (key, value, field, expected) => {
    expect(loadStageConfigs({ [key]: value }).dev[field]).toBe(expected);
  });

  test.each([
    ['spendsense:dev:accessHost.enabled', 'true', 'dev', 'accessHost', { enabled: true }],
    [
      'spendsense:dev:alarms.emailAddresses',
      'ops@example.com, oncall@example.com',
      'dev',
      'alarms',
      { emailAddresses: ['ops@example.com', 'oncall@example.com'] },
    ],
    ['spendsense:dev:rotation.days', '7', 'dev', 'rotation', { enabled: true, days: 7 }],
    ['spendsense:dev:proxy.enabled', 'true', 'dev', 'proxy', { enabled: true }],
  ] as const)(
    'reads the nested field %s=%s with its type, keeping its siblings',
    (key, value, stage, field, expected) => {
      expect(loadStageConfigs({ [key]: value })[stage][field]).toEqual(expected);
    },
  );

  test('two fields of one object, overridden together', () => {
    const { dev } = loadStageConfigs({
      'spendsense:dev:rotation.enabled': 'false',
      'spendsense:dev:rotation.days': '90',
    });
    expect(dev.rotation).toEqual({ enabled: false, days: 90 });
  });

  test('an override for one stage leaves the other untouched', () => {
    const configs = loadStageConfigs({ 'spendsense:dev:instanceClass': 'db.t4g.micro' });
    expect(configs.prod.instanceClass).toBe(STAGE_CONFIGS.prod.instanceClass);
  });

  test('ignores context keys that are not SpendSense settings', () => {
    expect(() => loadStageConfigs({ '@aws-cdk/core:checkSecretUsage': true })).not.toThrow();
  });
});

describe('the region', () => {
  test.each([
    [{}, 'us-east-1'],
    [{ AWS_REGION: 'eu-west-1' }, 'eu-west-1'],
    [{ CDK_DEFAULT_REGION: 'eu-central-1', AWS_REGION: 'eu-west-1' }, 'eu-central-1'],
    [{ CDK_DEFAULT_REGION: '', AWS_REGION: 'ap-southeast-2' }, 'ap-southeast-2'],
    [{ CDK_DEFAULT_REGION: 'us-west-2' }, 'us-west-2'],
  ])('from %j is %s', (env, expected) => {
    expect(resolveRegion(env)).toBe(expected);
  });

  test.each(['us-gov-west-1', 'il-central-1'])(
    'refuses %s, whose RDS certificate authority clients do not ship',
    (region) => {
      expect(() => resolveRegion({ AWS_REGION: region })).toThrow(
        `region: got "${region}" (from AWS_REGION); allowed: one of af-south-1,`,
      );
    },
  );

  test('refuses a malformed region, naming where it came from', () => {
    expect(() => resolveRegion({ AWS_REGION: 'us-east1' })).toThrow(
      'region: got "us-east1" (from AWS_REGION); allowed: an AWS region name',
    );
  });
});
