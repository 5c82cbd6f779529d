import type pg from 'pg';
import { NO_SCHEMA_VERSION } from '../../shared/names.js';
import { readMigrationFiles } from './files.js';
import { readAppliedMigrations } from './history.js';

/** `ok`; `edited` (the file changed since); `missing` (no file); `unrecorded` (no checksum kept). */
export type AppliedState = 'ok' | 'edited' | 'missing' | 'unrecorded';

export interface MigrationStatus {
  /** The last applied migration, or `none`. */
  readonly version: string;
  /** The last migration of the folder, or `none`. */
  readonly latest: string;
  readonly applied: readonly {
    readonly name: string;
    readonly runOn: string;
    /** SHA-256 recorded when it ran. */
    readonly checksum: string | null;
    /** SHA-256 of the file now. */
    readonly fileChecksum: string | null;
    readonly state: AppliedState;
  }[];
  readonly pending: readonly { readonly name: string; readonly checksum: string }[];
}

/** What is applied and what is pending; read-only, no lock (any role that reads the history). */
export async function migrationStatus(
  client: pg.ClientBase,
  directory: string,
): Promise<MigrationStatus> {
  const files = await readMigrationFiles(directory);
  const applied = await readAppliedMigrations(client);
  const byName = new Map(files.map((file) => [file.name, file]));
  const done = new Set(applied.map((migration) => migration.name));
  return {
    version: applied.at(-1)?.name ?? NO_SCHEMA_VERSION,
    latest: files.at(-1)?.name ?? NO_SCHEMA_VERSION,
    applied: applied.map((migration) => {
      const file = byName.get(migration.name);
      const state: AppliedState =
        file === undefined
          ? 'missing'
          : migration.checksum === undefined
            ? 'unrecorded'
            : migration.checksum === file.checksum
              ? 'ok'
              : 'edited';
      return {
        name: migration.name,
        runOn: migration.runOn.toISOString(),
        checksum: migration.checksum ?? null,
        fileChecksum: file?.checksum ?? null,
        state,
      };
    }),
    pending: files
      .filter((file) => !done.has(file.name))
      .map((file) => ({ name: file.name, checksum: file.checksum })),
  };
}
