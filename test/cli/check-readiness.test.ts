import type pg from 'pg';
import { describe, expect, test } from 'vitest';
import { readinessChecks, type ServerFacts } from '../../src/cli/check/stages/readiness.js';
import { CliError, ExitCode } from '../../src/cli/exit-codes.js';

// No PostgreSQL 16 binaries are installed here, so the version rule is shown with a client
// that answers the version query as a PostgreSQL 16 server does.
function clientAnswering(row: object): pg.Client {
  return { query: async () => ({ rows: [row] }) } as unknown as pg.Client;
}

describe('readiness: server version', () => {
  const versionCheck = readinessChecks.find((check) => check.stage === 'version');

  test('a PostgreSQL 16 server gives WrongServerVersion (33)', async () => {
    const facts: ServerFacts = {};
    const failure = await versionCheck
      ?.run(clientAnswering({ version: '16.4', number: 160004 }), facts)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({
      exitCode: ExitCode.WrongServerVersion,
      message: 'The server runs PostgreSQL 16.4, not 15.',
    });
    expect(facts.serverVersion).toBe('16.4');
  });

  test('a PostgreSQL 15 server passes', async () => {
    const facts: ServerFacts = {};
    await expect(
      versionCheck?.run(clientAnswering({ version: '15.12', number: 150012 }), facts),
    ).resolves.toBe('PostgreSQL 15.12');
  });
});
