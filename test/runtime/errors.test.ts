import { describe, expect, test } from 'vitest';
import {
  CredentialsUnavailableError,
  DatabaseAuthenticationError,
  DatabaseConfigurationError,
  DatabaseConnectionError,
  DatabaseConnectionLostError,
  type ConnectionFailureReason,
  SecretUnavailableError,
} from '../../src/runtime/errors.js';

describe('retryable', () => {
  test.each<[ConnectionFailureReason, boolean]>([
    ['too-many-connections', true],
    ['timeout', true],
    ['refused', true],
    ['reset', true],
    ['unreachable', true],
    ['server-unavailable', true],
    ['tls', false],
    ['dns', false],
    ['database-missing', false],
    ['other', false],
  ])('a connection failure for %s is retryable: %s', (reason, retryable) => {
    expect(new DatabaseConnectionError('m', reason, 1, undefined).retryable).toBe(retryable);
  });

  test('an explicit choice wins over the reason', () => {
    expect(
      new DatabaseConnectionError('m', 'timeout', 1, undefined, { retryable: false }),
    ).toMatchObject({
      retryable: false,
    });
  });

  test.each([
    ['unavailable', true],
    ['not-found', false],
    ['access-denied', false],
  ] as const)('a secret %s is retryable: %s', (reason, retryable) => {
    expect(new SecretUnavailableError('m', reason).retryable).toBe(retryable);
  });

  test('errors only a fix can cure are not retryable; a lost connection is', () => {
    expect(new DatabaseConfigurationError('m').retryable).toBe(false);
    expect(new DatabaseAuthenticationError('m', '28P01').retryable).toBe(false);
    expect(new CredentialsUnavailableError('m').retryable).toBe(false);
    expect(new DatabaseConnectionLostError('m').retryable).toBe(true);
  });
});
