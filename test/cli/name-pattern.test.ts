import { expect, test } from 'vitest';
import { namePattern } from '../../src/cli/aws/cloudformation-template.js';

test.each([
  ['a literal', '/spendsense/dev/database/probe', '/spendsense/dev/database/probe'],
  [
    'a join with the creation id',
    {
      'Fn::Join': [
        '',
        ['/aws/rds/instance/spendsense-dev-', { 'Fn::Select': [0, []] }, '/upgrade'],
      ],
    },
    '/aws/rds/instance/spendsense-dev-*/upgrade',
  ],
  ['a join with a delimiter', { 'Fn::Join': ['-', ['a', { Ref: 'X' }, 'b']] }, 'a-*-b'],
  ['a reference', { Ref: 'LogGroup' }, undefined],
  ['a malformed join', { 'Fn::Join': ['', 'not a list'] }, undefined],
])('namePattern of %s', (_case, value, expected) => {
  expect(namePattern(value)).toBe(expected);
});
