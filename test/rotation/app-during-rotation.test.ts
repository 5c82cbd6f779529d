import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { localStatePaths } from '../../src/cli/local/paths.js';
import { rolePasswordFile } from '../../src/cli/local/roles.js';
import { createDatabase } from '../../src/runtime/index.js';
import { rotateSecret, type RotationStep } from '../../src/runtime/rotation/index.js';
import { APP_USERNAME } from '../../src/shared/names.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { canLogIn } from './support/database.js';
import { FakeSecretsManager } from './support/fake-secrets-manager.js';
import { collectingLogger, parse, secretsManagerClient, seedSecrets } from './support/secrets.js';

// Rotates the master password: a server of its own.
let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.destroy();
});

const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

test('spendsense_app queries run throughout a full master rotation without one failure', async () => {
  const app = {
    host: server.host,
    port: server.port,
    database: server.database,
    user: APP_USERNAME,
    password: (
      await readFile(rolePasswordFile(localStatePaths(server.stateDir), 'app'), 'utf8')
    ).trim(),
  };
  const master = { username: server.user, password: server.password };
  const fake = new FakeSecretsManager();
  const address = { host: server.host, port: server.port, database: server.database };
  const secrets = seedSecrets(fake, address, master);

  let rotating = true;
  const failures: unknown[] = [];
  let queries = 0;
  let logins = 0;

  /** A warm environment: one connection for the whole run. */
  async function warmClient(): Promise<void> {
    const database = createDatabase({
      connection: app,
      extraCertificateAuthorities: [server.caPem],
    });
    try {
      while (rotating) {
        await database.query('select 1').then(
          () => queries++,
          (error: unknown) => failures.push(error),
        );
      }
    } finally {
      await database.end();
    }
  }
  /** Cold environments: a new login for every query, as new Lambda environments make. */
  async function coldClients(): Promise<void> {
    while (rotating) {
      const database = createDatabase({
        connection: app,
        extraCertificateAuthorities: [server.caPem],
      });
      try {
        await database.query('select current_user').then(
          ({ rows }) => {
            queries++;
            logins++;
            expect(rows).toEqual([{ current_user: APP_USERNAME }]);
          },
          (error: unknown) => failures.push(error),
        );
      } finally {
        await database.end();
      }
    }
  }

  const clients = [warmClient(), warmClient(), coldClients(), coldClients()];
  try {
    const token = fake.startRotation(secrets.credentialsArn);
    for (const step of STEPS) {
      await rotateSecret(
        { SecretId: secrets.credentialsArn, ClientRequestToken: token, Step: step },
        {
          secretsManager: secretsManagerClient(),
          connectionSecretId: secrets.connectionArn,
          database: address,
          databaseAccess: { extraCertificateAuthorities: [server.caPem] },
          logger: collectingLogger(),
        },
      );
    }
  } finally {
    rotating = false;
    await Promise.all(clients);
    fake.restore();
  }

  const rotated = parse(fake.value(secrets.credentialsArn));
  expect(await canLogIn(server, master)).toBe(false);
  expect(
    await canLogIn(server, { username: master.username, password: String(rotated.password) }),
  ).toBe(true);
  expect(failures).toEqual([]);
  expect(logins).toBeGreaterThan(4);
  expect(queries).toBeGreaterThan(logins);
});
