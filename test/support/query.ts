import pg from 'pg';

/** Opens a client with `config`, runs one statement and closes the client whatever happens. */
export async function queryOnce<T>(config: pg.ClientConfig, sql: string): Promise<T[]> {
  const client = new pg.Client(config);
  // A server that drops the connection must fail the query, not crash the test process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}
