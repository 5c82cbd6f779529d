/**
 * The yardstick of `npm run bench:cold`: the least a function can do to answer from the
 * database. It imports only `pg`, reads a CA file, and connects with verified TLS (chain and
 * host name) using a password from its environment.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

export const handler = async (): Promise<{ ok: boolean }> => {
  const env = process.env;
  const client = new pg.Client({
    host: env.MINIMAL_DB_HOST,
    port: Number(env.MINIMAL_DB_PORT),
    database: env.MINIMAL_DB_NAME,
    user: env.MINIMAL_DB_USER,
    password: env.MINIMAL_DB_PASSWORD,
    ssl: { ca: readFileSync(env.MINIMAL_DB_CA_FILE ?? '', 'utf8'), rejectUnauthorized: true },
  });
  await client.connect();
  const { rows } = await client.query<{ one: number }>('select 1 as one');
  return { ok: rows[0]?.one === 1 };
};
