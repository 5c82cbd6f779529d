import { describe, expect, test } from 'vitest';
import { createDatabaseApp } from '../../src/infra/app.js';
import { StageConfigError, loadStageConfigs } from '../../src/infra/config/load-stage-configs.js';
import { availabilityZoneProblems } from '../../src/infra/config/stage-config.js';
import { STAGE_CONFIGS } from '../../src/infra/config/stages.js';

/** The one problem a context override causes (the configuration must be refused). */
function problemOf(context: Record<string, unknown>): string {
  try {
    loadStageConfigs(context);
  } catch (error) {
    if (error instanceof StageConfigError && error.problems.length === 1) {
      return error.problems[0] ?? '';
    }
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('public access is retired', () => {
  test.each([
    ['spendsense:dev:clientCidrs', '203.0.113.7/32'],
    ['spendsense:prod:clientCidrs', '203.0.113.7/32'],
    ['spendsense:dev:publiclyAccessible', 'true'],
  ])('%s fails the synth, pointing at spendsense-db tunnel', (key, value) => {
    const problem = problemOf({ [key]: value });
    expect(problem).toContain(`context ${key}: retired: the database is never publicly accessible`);
    expect(problem).toContain('`spendsense-db tunnel --stage <stage>`');
  });

  test('in the stage values themselves too', () => {
    const problems = (() => {
      try {
        loadStageConfigs(
          {},
          {
            dev: { ...STAGE_CONFIGS.dev, clientCidrs: ['203.0.113.7/32'] } as never,
            prod: STAGE_CONFIGS.prod,
          },
        );
      } catch (error) {
        if (error instanceof StageConfigError) return error.problems;
      }
      return [];
    })();
    expect(problems).toEqual([expect.stringMatching(/^dev\.clientCidrs: retired: .*tunnel/)]);
  });

  test('the access host is on in dev and opt-in in prod', () => {
    const configs = loadStageConfigs({});
    expect([configs.dev.accessHost.enabled, configs.prod.accessHost.enabled]).toEqual([
      true,
      false,
    ]);
  });
});

describe('reserved concurrency: none by default, a typed opt-in per stage', () => {
  test('both stages reserve nothing unless told to', () => {
    const configs = loadStageConfigs({});
    expect(configs.dev.reservedConcurrency).toEqual({ probe: 0, rotation: 0 });
    expect(configs.prod.reservedConcurrency).toEqual({ probe: 0, rotation: 0 });
  });

  test('a stage may reserve through context', () => {
    const { prod } = loadStageConfigs({
      'spendsense:prod:reservedConcurrency.probe': '2',
      'spendsense:prod:reservedConcurrency.rotation': '10',
    });
    expect(prod.reservedConcurrency).toEqual({ probe: 2, rotation: 10 });
  });

  test.each([
    [
      'reservedConcurrency.rotation',
      '5',
      ['dev.reservedConcurrency.rotation', 'got 5', 'at least 10'],
    ],
    ['reservedConcurrency.probe', '-1', ['dev.reservedConcurrency.probe', 'got -1', 'preflight']],
    ['reservedConcurrency.probe', 'many', ['dev.reservedConcurrency.probe', 'got "many"']],
  ])('refuses %s=%s', (field, value, fragments) => {
    const problem = problemOf({ [`spendsense:dev:${field}`]: value });
    for (const fragment of fragments) expect(problem).toContain(fragment);
  });

  test('a rotation reservation without rotation is refused', () => {
    expect(
      problemOf({
        'spendsense:dev:rotation.enabled': 'false',
        'spendsense:dev:reservedConcurrency.rotation': '10',
      }),
    ).toContain('0 while rotation.enabled is false');
  });
});

describe('availabilityZones', () => {
  test('[] by default in both stages', () => {
    const configs = loadStageConfigs({});
    expect([configs.dev.availabilityZones, configs.prod.availabilityZones]).toEqual([[], []]);
  });

  test.each([
    ['one zone', 'use1-az1'],
    ['three zones', 'use1-az1,use1-az2,use1-az4'],
    ['the same zone twice', 'use1-az1,use1-az1'],
  ])('refuses %s', (_case, value) => {
    expect(problemOf({ 'spendsense:prod:availabilityZones': value })).toContain(
      'prod.availabilityZones: got',
    );
  });
});

describe('availabilityZoneProblems: names must belong to the stack region', () => {
  const configsWith = (zones: string[]) =>
    ({ prod: { ...STAGE_CONFIGS.prod, availabilityZones: zones } }) as const;

  test.each([
    [['use1-az1', 'use1-az2'], []],
    [['us-east-1a', 'use1-az6'], []],
    [
      ['eu-west-1a', 'us-east-1b'],
      [
        'prod.availabilityZones[0]: got "eu-west-1a"; allowed: a zone of the stack\'s region us-east-1 (its names start with us-east-1)',
      ],
    ],
    [
      ['east-1a', 'us-east-1b'],
      [
        'prod.availabilityZones[0]: got "east-1a"; allowed: a zone name such as "us-east-1b" or a zone ID such as "use1-az1"',
      ],
    ],
  ])('%j in us-east-1', (zones, problems) => {
    expect(availabilityZoneProblems(configsWith(zones), 'us-east-1')).toEqual(problems);
  });
});

test('the app refuses zones of another region before building anything', () => {
  expect(() =>
    createDatabaseApp({
      appProps: { context: { 'spendsense:dev:availabilityZones': 'eu-west-1a,eu-west-1b' } },
      env: { AWS_REGION: 'us-east-1' },
    }),
  ).toThrow(
    /dev\.availabilityZones\[0\]: got "eu-west-1a"; allowed: a zone of the stack's region us-east-1/,
  );
});
