import { expect, test } from 'vitest';
import { resolveString } from '../../src/cli/aws/intrinsics.js';

const STACK_ID =
  'arn:aws:cloudformation:us-east-1:123456789012:stack/SpendSense-Database-prod/5f1a2b30-9c4d-11ef-8e3a-0affd1a2b3c4';
const CREATION_ID = {
  'Fn::Select': [
    0,
    { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
  ],
};
const pseudo = { region: 'us-east-1', accountId: '123456789012', stackId: STACK_ID };

test('resolves the creation id of an existing stack from its stack id', () => {
  expect(
    resolveString(
      { 'Fn::Join': ['', ['/spendsense/prod/database/', CREATION_ID, '/probe']] },
      pseudo,
    ),
  ).toBe('/spendsense/prod/database/5f1a2b30/probe');
});

test('a new stack has no id yet: a name built from it is unknown', () => {
  expect(
    resolveString({ 'Fn::Join': ['', ['spendsense-prod-', CREATION_ID]] }, { region: 'us-east-1' }),
  ).toBeUndefined();
});

test.each([
  [{ Ref: 'AWS::Region' }, 'us-east-1'],
  [{ Ref: 'AWS::Partition' }, 'aws'],
  [
    { 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'sns', { Ref: 'AWS::AccountId' }]] },
    'arn:aws:sns:123456789012',
  ],
  ['literal', 'literal'],
  [{ Ref: 'SomeResource' }, undefined],
  [{ 'Fn::GetAtt': ['X', 'Arn'] }, undefined],
  [{ 'Fn::Select': [5, { 'Fn::Split': ['-', 'a-b'] }] }, undefined],
])('resolveString(%j) is %j', (value, expected) => {
  expect(resolveString(value, pseudo)).toBe(expected);
});
