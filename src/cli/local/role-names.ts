import { APP_USERNAME, MASTER_USERNAME, MIGRATOR_USERNAME } from '../../shared/names.js';

/** Who `local url --as` can connect as (a module of its own: loaded for `--help`, so kept light). */
export const LOCAL_ROLES = ['admin', 'app', 'migrator'] as const;
export type LocalRole = (typeof LOCAL_ROLES)[number];

export const LOCAL_ROLE_USERS: Readonly<Record<LocalRole, string>> = {
  admin: MASTER_USERNAME,
  app: APP_USERNAME,
  migrator: MIGRATOR_USERNAME,
};
