import { describe, expect, test } from 'vitest';
import { IamCredentials } from '../../src/runtime/credentials/iam-credentials.js';
import { StaticCredentials } from '../../src/runtime/credentials/static-credentials.js';

// The module runs in other repositories, where the command is a dependency, not on PATH: a
// command a rejection names must be the npx form, which works there as printed.
const target = {
  host: 'db.example.com',
  port: 5432,
  database: 'spendsense',
  user: 'spendsense_app',
};

describe('rejection messages name commands that run as printed', () => {
  test('password mode: npx spendsense-db local url', () => {
    const message = new StaticCredentials({ ...target, password: 'pw' }).describeRejection(
      'spendsense_app',
    );
    expect(message).toContain('`npx spendsense-db local url --as app --reveal`');
  });

  test('IAM mode: npx spendsense-db check --iam for that user', () => {
    const message = new IamCredentials({ ...target, region: 'us-east-1' }).describeRejection(
      'spendsense_app',
      false,
    );
    expect(message).toContain('`npx spendsense-db check --iam --user spendsense_app`');
  });
});
