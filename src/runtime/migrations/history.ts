import type pg from 'pg';
import {
  CHECKSUMS_TABLE,
  MIGRATIONS_SCHEMA,
  MIGRATIONS_TABLE,
  NO_SCHEMA_VERSION,
} from '../../shared/names.js';

/**
 * Reading the migration history: no dependency besides pg, so the probe (which ships no
 * migration runner) reports the schema version from the same query `migrate status` uses.
 */

export interface AppliedMigration {
  readonly name: string;
  readonly runOn: Date;
  /** SHA-256 recorded when it ran; `undefined` for one applied without this runner. */
  readonly checksum: string | undefined;
}

const qualified = (table: string) => `"${MIGRATIONS_SCHEMA}"."${table}"`;

/** The applied migrations in the order they ran; empty before the first run. */
export async function readAppliedMigrations(client: pg.ClientBase): Promise<AppliedMigration[]> {
  const { rows } = await client.query<{ history: boolean; checksums: boolean }>(
    'select to_regclass($1) is not null as history, to_regclass($2) is not null as checksums',
    [qualified(MIGRATIONS_TABLE), qualified(CHECKSUMS_TABLE)],
  );
  if (rows[0]?.history !== true) return [];
  const checksum = rows[0].checksums ? 'c.sha256' : 'null';
  const join = rows[0].checksums
    ? `left join ${qualified(CHECKSUMS_TABLE)} c on c.name = m.name`
    : '';
  const result = await client.query<{ name: string; run_on: Date; checksum: string | null }>(
    `select m.name, m.run_on, ${checksum} as checksum
       from ${qualified(MIGRATIONS_TABLE)} m ${join}
      order by m.run_on, m.id`,
  );
  return result.rows.map((row) => ({
    name: row.name,
    runOn: row.run_on,
    checksum: row.checksum ?? undefined,
  }));
}

/** The last migration applied, or {@link NO_SCHEMA_VERSION}. */
export async function readSchemaVersion(client: pg.ClientBase): Promise<string> {
  const applied = await readAppliedMigrations(client);
  return applied.at(-1)?.name ?? NO_SCHEMA_VERSION;
}
