import type * as rds from 'aws-cdk-lib/aws-rds';
import { afterAll, describe, expect, test } from 'vitest';
import { createDatabaseApp } from '../../src/infra/app.js';
import { synthesize } from './support/synth.js';

/**
 * What a first deploy in a new account, and a re-create after a delete, need from the templates
 * (issue 9). One synth per stage, plus one with opt-ins.
 */
const dev = synthesize('dev');
const prod = synthesize('prod');
const reserved = synthesize('dev', {
  context: {
    'spendsense:dev:reservedConcurrency.probe': 1,
    'spendsense:dev:reservedConcurrency.rotation': 10,
  },
});
afterAll(() => [dev, prod, reserved].forEach((synthesized) => synthesized.dispose()));

const functionsOf = (synthesized: typeof dev) =>
  Object.values(synthesized.template.findResources('AWS::Lambda::Function')) as {
    Properties: Record<string, unknown>;
  }[];

describe('no reserved Lambda concurrency by default', () => {
  test.each([
    ['dev', dev],
    ['prod', prod],
  ])('%s: no function reserves anything', (_stage, synthesized) => {
    const functions = functionsOf(synthesized);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('a stage that opts in reserves exactly what it asked for', () => {
    const reservations = functionsOf(reserved)
      .map((fn) => fn.Properties.ReservedConcurrentExecutions)
      .filter((value) => value !== undefined)
      .sort();
    expect(reservations).toEqual([1, 10]);
  });
});

describe('the database is never publicly accessible', () => {
  test.each([
    ['dev', dev],
    ['prod', prod],
  ])('%s: private instance in the isolated subnets', (_stage, synthesized) => {
    synthesized.template.hasResourceProperties('AWS::RDS::DBInstance', {
      PubliclyAccessible: false,
    });
  });

  test('an escape hatch that makes it public fails the synth, pointing at spendsense-db tunnel', () => {
    const { app, stacks } = createDatabaseApp({
      appProps: {
        context: { 'aws:cdk:bundling-stacks': [] },
        builtinCloudFormationValidation: false,
      },
      env: {},
      stages: ['dev'],
    });
    const instance = stacks.dev!.database.instance.node.defaultChild as rds.CfnDBInstance;
    instance.addPropertyOverride('PubliclyAccessible', true);
    const failure = (() => {
      try {
        app.synth();
      } catch (error) {
        return String(error);
      }
      throw new Error('expected the synth to fail');
    })();
    expect(failure).toMatch(/never publicly accessible[\s\S]*DatabaseInstanceAA8A5FDE/);
    expect(failure).toContain('`spendsense-db tunnel --stage <stage>`');
  });
});
