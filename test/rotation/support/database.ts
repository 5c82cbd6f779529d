import pg from 'pg';
import { buildClientConfig } from '../../../src/runtime/client-config.js';
import { generatePassword } from '../../../src/runtime/password.js';
import type { TestPostgres } from '../../support/postgres.js';

/** A server to log in to: a test's own, or the run's shared one. */
type Server = Pick<TestPostgres, 'host' | 'port' | 'database' | 'caPem'>;
import type { DatabaseUser } from './secrets.js';

function clientFor(server: Server, user: DatabaseUser): pg.Client {
  const client = new pg.Client(
    buildClientConfig(
      {
        host: server.host,
        port: server.port,
        database: server.database,
        user: user.username,
        password: user.password,
      },
      { extraCertificateAuthorities: [server.caPem], connectionTimeoutMillis: 5000 },
    ),
  );
  client.on('error', () => undefined);
  return client;
}

/** Runs `work` in a session as `user`, closed afterwards whatever happens. */
export async function withSession<T>(
  server: Server,
  user: DatabaseUser,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = clientFor(server, user);
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when the server accepts the password, false when it rejects it (28P01). */
export async function canLogIn(server: Server, user: DatabaseUser): Promise<boolean> {
  try {
    return await withSession(server, user, async (client) => {
      const result = await client.query<{ user: string }>('select current_user as "user"');
      return result.rows[0]?.user === user.username;
    });
  } catch (error) {
    if (error instanceof pg.DatabaseError && error.code === '28P01') return false;
    throw error;
  }
}

/** A fresh login role with a random password that may connect, created by `admin`. */
export async function createLoginRole(
  server: Server,
  admin: DatabaseUser,
  username: string,
): Promise<DatabaseUser> {
  const password = generatePassword();
  await withSession(server, admin, async (client) => {
    const role = client.escapeIdentifier(username);
    await client.query(`create role ${role} login password ${client.escapeLiteral(password)}`);
    await client.query(
      `grant connect on database ${client.escapeIdentifier(server.database)} to ${role}`,
    );
  });
  return { username, password };
}

/** Sets a role's password behind the rotation's back, as a person with psql might. */
export async function setPassword(
  server: Server,
  admin: DatabaseUser,
  username: string,
  password: string,
): Promise<void> {
  await withSession(server, admin, (client) =>
    client.query(
      `alter role ${client.escapeIdentifier(username)} password ${client.escapeLiteral(password)}`,
    ),
  );
}
