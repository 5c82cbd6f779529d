import pg from 'pg';
import { describe, expect, test } from 'vitest';
import {
  classifyConnectError,
  isSessionFailure,
  wasNeverSent,
} from '../../src/runtime/classify-error.js';

function serverError(code: string, message = 'server error'): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

describe('classifyConnectError', () => {
  test.each([
    ['53300', 'too-many-connections'],
    ['57P01', 'server-unavailable'],
    ['57P02', 'server-unavailable'],
    ['57P03', 'server-unavailable'],
    ['08006', 'server-unavailable'],
    ['08001', 'server-unavailable'],
  ])('SQLSTATE %s is a retryable %s', (code, reason) => {
    expect(classifyConnectError(serverError(code))).toEqual({
      kind: 'connection',
      reason,
      retryable: true,
      code,
    });
  });

  test.each([
    ['08P01', 'no more connections allowed (max_client_conn)'],
    ['08004', 'sorry, too many clients already'],
  ])(
    'a pooler or server out of slots under SQLSTATE %s ("%s") is too-many-connections',
    (code, message) => {
      expect(classifyConnectError(serverError(code, message))).toEqual({
        kind: 'connection',
        reason: 'too-many-connections',
        retryable: true,
        code,
      });
    },
  );

  test.each([
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['ETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['EAI_AGAIN', 'dns'],
  ])('Node.js %s is a retryable %s', (code, reason) => {
    expect(classifyConnectError(systemError(code))).toMatchObject({ reason, retryable: true });
  });

  test.each([
    ['timeout expired', 'timeout', true],
    ['Connection terminated unexpectedly', 'reset', true],
    ['The server does not support SSL connections', 'tls', false],
  ])('node-postgres "%s" is %s (retryable: %s)', (message, reason, retryable) => {
    expect(classifyConnectError(new Error(message))).toMatchObject({ reason, retryable });
  });

  test('a wrapped cause is classified by the cause', () => {
    const wrapped = new Error('Connection terminated due to connection timeout', {
      cause: new Error('Connection terminated unexpectedly'),
    });
    expect(classifyConnectError(wrapped)).toMatchObject({ reason: 'timeout', retryable: true });
  });

  test.each([
    ['SELF_SIGNED_CERT_IN_CHAIN'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['ERR_TLS_CERT_ALTNAME_INVALID'],
    ['CERT_HAS_EXPIRED'],
  ])('TLS verification failure %s is never retried', (code) => {
    expect(classifyConnectError(systemError(code))).toMatchObject({
      reason: 'tls',
      retryable: false,
    });
  });

  test('28P01 is a rejected password, 28000 a refused role', () => {
    expect(classifyConnectError(serverError('28P01'))).toEqual({
      kind: 'password-rejected',
      code: '28P01',
    });
    expect(classifyConnectError(serverError('28000'))).toEqual({
      kind: 'not-authorised',
      code: '28000',
    });
  });

  test.each([
    ['3D000', 'database-missing'],
    ['42501', 'other'],
  ])('SQLSTATE %s (%s) is not retried', (code, reason) => {
    expect(classifyConnectError(serverError(code))).toMatchObject({ reason, retryable: false });
  });

  test('DNS NXDOMAIN is not retried: the name is wrong, not busy', () => {
    expect(classifyConnectError(systemError('ENOTFOUND'))).toMatchObject({
      reason: 'dns',
      retryable: false,
    });
  });
});

describe('statement failures', () => {
  test('a refusal to send on a dead client is recognised as never sent', () => {
    expect(
      wasNeverSent(new Error('Client has encountered a connection error and is not queryable')),
    ).toBe(true);
    expect(wasNeverSent(new Error('Connection terminated unexpectedly'))).toBe(false);
  });

  test.each([
    [serverError('57P01', 'terminating connection due to administrator command'), true],
    [new Error('Connection terminated unexpectedly'), true],
    [systemError('ECONNRESET'), true],
    [serverError('23505', 'duplicate key value violates unique constraint'), false],
    [serverError('42601', 'syntax error at or near "selec"'), false],
    [new Error('some application bug'), false],
  ])('isSessionFailure(%s) is %s', (error, expected) => {
    expect(isSessionFailure(error)).toBe(expected);
  });
});
