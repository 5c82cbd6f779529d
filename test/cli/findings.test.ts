import { describe, expect, test } from 'vitest';
import { evaluate, MissingFactError } from '../../src/cli/findings/evaluate.js';
import {
  fail,
  judge,
  pass,
  skip,
  summarize,
  warn,
  withSeverity,
  worstResult,
} from '../../src/cli/findings/finding.js';
import { formatFixes } from '../../src/cli/findings/format.js';

describe('severity comes from the registry', () => {
  test('a failure of a check registered as a warning is a warning, with its fix', () => {
    const finding = withSeverity(fail('no subscriber', 'subscribe one'), 'warn', 'dev');
    expect(finding).toEqual({ result: 'warn', evidence: 'no subscriber', fix: 'subscribe one' });
  });

  test('per stage: the same failure fails prod and warns dev', () => {
    const severity = { dev: 'warn', prod: 'fail' } as const;
    expect(withSeverity(fail('x'), severity, 'prod').result).toBe('fail');
    expect(withSeverity(fail('x'), severity, 'dev').result).toBe('warn');
  });

  test.each([pass('ok'), skip('n/a'), warn('meh')])('never changes a %o', (finding) => {
    expect(withSeverity(finding, 'warn', 'dev')).toEqual(finding);
  });
});

test('the worst result orders pass < skip < warn < fail', () => {
  expect(worstResult([])).toBe('pass');
  expect(worstResult([pass('a'), skip('b')])).toBe('skip');
  expect(worstResult([skip('b'), warn('c'), pass('a')])).toBe('warn');
  expect(worstResult([warn('c'), fail('d'), pass('a')])).toBe('fail');
});

test('summarize counts every result', () => {
  expect(summarize([pass('a'), pass('b'), warn('c'), skip('d')])).toEqual({
    pass: 2,
    warn: 1,
    fail: 0,
    skip: 1,
  });
});

test('judge passes without problems and fails with them joined', () => {
  expect(judge([], 'all good')).toEqual(pass('all good'));
  expect(judge(['a', 'b'], 'all good', 'do x')).toEqual(fail('a; b', 'do x'));
});

describe('evaluate', () => {
  test('a missing fact fails the check with its message', async () => {
    const finding = await evaluate(() => Promise.reject(new MissingFactError('no output X')), {});
    expect(finding).toEqual({ result: 'fail', evidence: 'no output X' });
  });

  test('an AWS refusal fails the check and says it was denied', async () => {
    const denied = Object.assign(new Error('not authorized to perform: sns:ListSubscriptions'), {
      name: 'AuthorizationError',
      $metadata: { httpStatusCode: 403 },
    });
    const finding = await evaluate(() => Promise.reject(denied), {});
    expect(finding).toMatchObject({ result: 'fail', awsFailure: 'access-denied' });
    expect(finding.evidence).toContain('AuthorizationError');
  });
});

test('fixes are listed under the table for warnings and failures only', () => {
  const text = formatFixes([
    { check: 'a', ...pass('fine') },
    { check: 'b', ...warn('meh', 'do b') },
    { check: 'c', ...fail('bad', 'do c') },
  ]);
  expect(text).toBe('\nHow to fix:\n  b (warn): do b\n  c (fail): do c\n');
  expect(formatFixes([{ check: 'a', ...pass('fine') }])).toBe('');
});
