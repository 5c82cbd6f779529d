import { App, Aspects, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, test } from 'vitest';
import {
  LOG_RETENTION_ERROR_ID,
  LogRetentionCheck,
} from '../../src/infra/alarms/log-retention-check.js';

function checkedStack(): Stack {
  const stack = new Stack(new App(), 'Checked');
  Aspects.of(stack).add(new LogRetentionCheck());
  return stack;
}

const errorsOf = (stack: Stack) =>
  Annotations.fromStack(stack).findError(
    '*',
    Match.stringLikeRegexp(LOG_RETENTION_ERROR_ID.replace(/:/g, '\\:')),
  );

describe('LogRetentionCheck', () => {
  test('accepts a log group with a retention', () => {
    const stack = checkedStack();
    new logs.LogGroup(stack, 'Kept', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    expect(errorsOf(stack)).toEqual([]);
  });

  test('fails a log group that keeps its events forever, naming it and the fix', () => {
    const stack = checkedStack();
    new logs.LogGroup(stack, 'Forever', {
      logGroupName: '/spendsense/dev/database/forever',
      retention: logs.RetentionDays.INFINITE,
    });
    const errors = errorsOf(stack);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.id).toBe('/Checked/Forever/Resource');
    expect(errors[0]?.entry.data).toBe(
      `[${LOG_RETENTION_ERROR_ID}] Log group /spendsense/dev/database/forever has no retention and would keep its events forever. Set \`retention\` on the log group (the stage's logRetentionDays).`,
    );
  });

  test('fails a low-level CfnLogGroup without RetentionInDays, named by its path when it has no name', () => {
    const stack = checkedStack();
    new logs.CfnLogGroup(stack, 'Raw', {});
    const errors = errorsOf(stack);
    expect(errors.map((error) => error.entry.data)).toEqual([
      expect.stringContaining('Log group Checked/Raw has no retention'),
    ]);
  });

  test('reports every offending group, not only the first', () => {
    const stack = checkedStack();
    new logs.CfnLogGroup(stack, 'One', {});
    new logs.CfnLogGroup(stack, 'Two', {});
    new logs.CfnLogGroup(stack, 'Fine', { retentionInDays: 7 });
    expect(
      errorsOf(stack)
        .map((error) => error.id)
        .sort(),
    ).toEqual(['/Checked/One', '/Checked/Two']);
  });
});
