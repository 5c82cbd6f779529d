import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BootstrapError } from '../../src/runtime/bootstrap/errors.js';
import { handleBootstrapEvent } from '../../src/runtime/bootstrap/bootstrap.js';
import { migrationsHash, readMigrationFilesSync } from '../../src/runtime/migrations/files.js';
import { generatePassword } from '../../src/runtime/password.js';
import { applicationConnectionLimit } from '../../src/shared/connection-budget.js';
import { refusingPort } from '../support/fault-servers.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { setPassword, withSession } from '../rotation/support/database.js';
import { FakeSecretsManager } from '../rotation/support/fake-secrets-manager.js';
import {
  collectingLogger,
  type DatabaseUser,
  secretsManagerClient,
} from '../rotation/support/secrets.js';

// Drops roles and changes the master password: a server of its own.
let server: TestPostgres;
let admin: DatabaseUser;
let fake: FakeSecretsManager;
let logger: ReturnType<typeof collectingLogger>;
let credentialsArn: string;
/** The migrations "bundled" with the function: a copy of the runner's fixtures. */
const migrationsDirectory = mkdtempSync(path.join(os.tmpdir(), 'spendsense-bootstrap-migrations-'));
const bundledHash = () => migrationsHash(readMigrationFilesSync(migrationsDirectory));

beforeAll(async () => {
  cpSync(path.join(import.meta.dirname, '../migrations/fixtures'), migrationsDirectory, {
    recursive: true,
  });
  server = await startTestPostgres();
  admin = { username: server.user, password: server.password };
  // A database as RDS creates it: no SpendSense roles, no application schema.
  await withSession(server, admin, (client) =>
    client.query(`drop schema spendsense cascade;
      drop owned by spendsense_app, spendsense_migrator;
      drop role spendsense_app; drop role spendsense_migrator;
      grant connect, temporary on database spendsense to public;`),
  );
});
afterAll(async () => {
  await server?.destroy();
  rmSync(migrationsDirectory, { recursive: true, force: true });
});

beforeEach(() => {
  fake = new FakeSecretsManager();
  logger = collectingLogger();
  credentialsArn = fake.createSecret(
    'spendsense/test/database/credentials',
    JSON.stringify({ username: admin.username, password: admin.password, engine: 'postgres' }),
  );
});
afterEach(() => {
  fake.restore();
  const lines = logger.lines.join('\n');
  expect(logger.lines.length).toBeGreaterThan(0);
  for (const value of fake.allValues(credentialsArn)) {
    expect(lines).not.toContain(String((JSON.parse(value) as { password: string }).password));
  }
});

function properties(overrides: Record<string, string> = {}) {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework-onEvent',
    CredentialsSecretArn: credentialsArn,
    DatabaseHost: server.host,
    DatabasePort: String(server.port),
    DatabaseName: server.database,
    InstanceClass: 'db.t3.micro',
    RolesHash: 'a'.repeat(64),
    MigrationsHash: bundledHash(),
    ...overrides,
  };
}

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  overrides: Record<string, string> = {},
): Record<string, unknown> {
  return {
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework-onEvent',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/SpendSense-Database-dev/1',
    RequestId: randomUUID(),
    LogicalResourceId: 'DatabaseBootstrapResource',
    ResourceType: 'Custom::SpendSenseDatabaseBootstrap',
    ResourceProperties: properties(overrides),
    ...(requestType !== 'Create' && {
      PhysicalResourceId: `spendsense-bootstrap:${server.host}/${server.database}`,
    }),
    ...(requestType === 'Update' && { OldResourceProperties: properties({ RolesHash: 'old' }) }),
  };
}

function run(request: Record<string, unknown>) {
  return handleBootstrapEvent(request, {
    secretsManager: secretsManagerClient(),
    migrationsDirectory,
    databaseAccess: { extraCertificateAuthorities: [server.caPem], connectionTimeoutMillis: 3000 },
    logger,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<BootstrapError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BootstrapError);
  return error as BootstrapError;
}

const roles = () =>
  withSession(server, admin, async (client) => {
    const { rows } = await client.query<{ name: string; limit: number; password: boolean }>(
      `select rolname as name, rolconnlimit as limit, rolpassword is not null as password
         from pg_authid where rolname like 'spendsense\\_%' and rolname <> current_user
        order by 1`,
    );
    return rows;
  });

describe('Create', () => {
  test('creates the roles and schema; IAM-only roles (no password); answers a stable id', async () => {
    const response = await run(event('Create'));

    expect(response).toEqual({
      PhysicalResourceId: `spendsense-bootstrap:${server.host}/${server.database}`,
      Data: {
        ApplicationConnectionLimit: applicationConnectionLimit(100),
        SchemaVersion: '0002_add_entries',
      },
    });
    expect(await roles()).toEqual([
      { name: 'spendsense_app', limit: 89, password: false },
      { name: 'spendsense_migrator', limit: 2, password: false },
    ]);
    expect(logger.lines.join('\n')).toContain('created spendsense_app');
  });
});

describe('Update', () => {
  test('runs again, changes nothing that is right, keeps the physical id', async () => {
    const response = await run(event('Update'));

    expect(response.PhysicalResourceId).toBe(
      `spendsense-bootstrap:${server.host}/${server.database}`,
    );
    const converged = logger.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === 'Roles converged');
    expect(converged).toMatchObject({ changes: 'none', requestType: 'Update' });
  });
});

describe('Delete', () => {
  test('leaves the roles alone and does not even read the secret', async () => {
    const response = await run(event('Delete'));

    expect(response).toEqual({
      PhysicalResourceId: `spendsense-bootstrap:${server.host}/${server.database}`,
    });
    expect(fake.calls).toEqual([]);
    expect((await roles()).map((role) => role.name)).toEqual([
      'spendsense_app',
      'spendsense_migrator',
    ]);
  });
});

describe('the first rotation racing the bootstrap', () => {
  test('between setSecret and finishSecret the database takes AWSPENDING only: the bootstrap uses it', async () => {
    const pending = generatePassword();
    const token = fake.startRotation(credentialsArn);
    // What createSecret leaves: the new password staged AWSPENDING (the fake answers like AWS).
    await secretsManagerClient().send(
      new PutSecretValueCommand({
        SecretId: credentialsArn,
        ClientRequestToken: token,
        SecretString: JSON.stringify({ username: admin.username, password: pending }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    await setPassword(server, admin, admin.username, pending);
    try {
      await run(event('Update'));
    } finally {
      await setPassword(server, { ...admin, password: pending }, admin.username, admin.password);
    }

    const lines = logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'Password rejected', source: 'AWSCURRENT' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'Logged in with a password of a rotation in progress',
        source: 'AWSPENDING',
      }),
    );
  });
});

describe('failures fail the deployment with a clear message and no password', () => {
  test('a wrong master password', async () => {
    const wrong = generatePassword();
    // Both AWSCURRENT and AWSPREVIOUS wrong: the previous one would be tried too.
    fake.overwrite(credentialsArn, JSON.stringify({ username: admin.username, password: wrong }));
    fake.overwrite(credentialsArn, JSON.stringify({ username: admin.username, password: wrong }));

    const error = await failureOf(run(event('Update')));

    expect(error.code).toBe('28P01');
    expect(error.message).toBe(
      `The database rejects every password known for the master user spendsense_admin (AWSCURRENT, AWSPREVIOUS of ${credentialsArn}): it was changed outside Secrets Manager. Set the master password back to the AWSCURRENT value of the secret (for example with \`aws rds modify-db-instance --master-user-password\`), then deploy again.`,
    );
    expect(`${error.message}${error.stack ?? ''}`).not.toContain(wrong);
  });

  test('an unreachable database', async () => {
    const port = await refusingPort();

    const error = await failureOf(run(event('Create', { DatabasePort: String(port) })));

    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toContain(
      `Could not open a session as spendsense_admin on ${server.host}:${port}/spendsense: refused (ECONNREFUSED).`,
    );
    expect(error.message).toContain('admits that group');
  });

  test('a role statement the master may not run: SQLSTATE and its class', async () => {
    const masterPassword = generatePassword();
    await withSession(server, admin, async (client) => {
      await client.query(
        `create role rds_like_master login createrole password '${masterPassword}'`,
      );
      await client.query('grant connect on database spendsense to rds_like_master');
      await client.query('alter role spendsense_app superuser');
    });
    fake.overwrite(
      credentialsArn,
      JSON.stringify({ username: 'rds_like_master', password: masterPassword }),
    );
    try {
      const error = await failureOf(run(event('Update')));

      expect(error.code).toBe('42501');
      expect(error.message).toBe(
        'Converging the database roles failed while altering spendsense_app: must be superuser to alter superuser roles or change superuser attribute (SQLSTATE 42501, class 42: syntax error or access rule violation).',
      );
    } finally {
      await withSession(server, admin, (client) =>
        client.query(
          'alter role spendsense_app nosuperuser; drop owned by rds_like_master; drop role rds_like_master',
        ),
      );
    }
  });

  test('a failed migration: its name, SQLSTATE and class; the schema stays at the last that succeeded', async () => {
    await run(event('Update'));
    const broken = path.join(migrationsDirectory, '0003_broken.sql');
    writeFileSync(broken, '-- Up Migration\ncreate tabel oops (id int);\n');
    try {
      const error = await failureOf(run(event('Update')));

      expect(error.code).toBe('42601');
      expect(error.message).toContain('Migration 0003_broken failed (up) and was rolled back');
      expect(error.message).toContain(
        'SQLSTATE 42601, class 42: syntax error or access rule violation',
      );
      expect(error.message).toContain('The schema is at 0002_add_entries.');
      expect(`${error.message}${error.stack ?? ''}`).not.toContain(admin.password);
      const version = await withSession(server, admin, async (client) => {
        const { rows } = await client.query<{ name: string }>(
          'select name from spendsense_migrations.pgmigrations order by id desc limit 1',
        );
        return rows[0]?.name;
      });
      expect(version).toBe('0002_add_entries');
    } finally {
      rmSync(broken);
    }
  });

  test('a rollback (properties naming other migrations) leaves the migrations alone instead of failing again', async () => {
    await run(event('Update'));
    const broken = path.join(migrationsDirectory, '0003_broken.sql');
    writeFileSync(broken, '-- Up Migration\ncreate tabel oops (id int);\n');
    try {
      // CloudFormation sends the previous properties to the function it has not rolled back yet.
      const response = await run(event('Update', { MigrationsHash: 'b'.repeat(64) }));

      expect(response.Data?.SchemaVersion).toBe('0002_add_entries');
      expect(logger.lines.join('\n')).toContain('Migrations left as they are');
    } finally {
      rmSync(broken);
    }
  });

  test('an event that is not the custom resource’s names the fields', async () => {
    const error = await failureOf(
      run({ RequestType: 'Create', LogicalResourceId: 'X', ResourceProperties: {} }),
    );
    expect(error.message).toMatch(
      /^Not a bootstrap custom resource event: ResourceProperties\.CredentialsSecretArn: .*ResourceProperties\.RolesHash/,
    );
  });
});
