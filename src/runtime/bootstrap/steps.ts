import type pg from 'pg';
import { MIGRATOR_USERNAME } from '../../shared/names.js';
import { migrationsHash, readMigrationFiles } from '../migrations/files.js';
import { readSchemaVersion } from '../migrations/history.js';
import type { RotationLogger } from '../rotation/logger.js';
import { convergeRoles } from '../roles/converge.js';
import type { BootstrapProperties } from './event.js';

/** What a step knows of the request besides the session. */
export interface StepRequest {
  readonly properties: BootstrapProperties;
  /** The migrations bundled with the function (`migrations/` beside the handler). */
  readonly migrationsDirectory: string;
}

/** One thing the bootstrap does to the database, in a session as the master user. */
export interface BootstrapStep {
  readonly name: string;
  /** Returns values for the custom resource's attributes (`Fn::GetAtt`), never a secret. */
  run(
    client: pg.Client,
    logger: RotationLogger,
    request: StepRequest,
  ): Promise<Readonly<Record<string, string | number>>>;
}

/** The roles, their privileges and the application schema (src/runtime/roles). */
export const rolesStep: BootstrapStep = {
  name: 'roles',
  async run(client, logger) {
    const report = await convergeRoles(client);
    logger.info('Roles converged', {
      changes: report.changes.length === 0 ? 'none' : report.changes.join('; '),
      applicationConnectionLimit: report.applicationConnectionLimit,
      otherDatabasesLeftOpen: report.otherDatabasesLeftOpen.join(', '),
    });
    return { ApplicationConnectionLimit: report.applicationConnectionLimit };
  },
};

/**
 * Deploy-time bounds of a migration run. The function has 10 minutes (the Provider framework's
 * own function, which waits for it, has 15; the custom resource's service timeout 15): a
 * statement gets 2 minutes, a lock wait 5 seconds (a migration queued behind the application's
 * locks would stall the application's queries behind it), another run 60 seconds. A migration
 * that needs longer does not belong in a deploy (docs/migrations.md).
 */
export const DEPLOY_MIGRATION_LIMITS = {
  lockWaitMillis: 60_000,
  lockTimeoutMillis: 5_000,
  statementTimeoutMillis: 120_000,
} as const;

/**
 * The pending migrations of the bundled folder, as `spendsense_migrator` (the master user is a
 * member: SET ROLE), after the roles. Only when the request's `MigrationsHash` is the bundle's
 * own: during a rollback CloudFormation sends the previous properties to the function it has
 * not rolled back yet, whose migrations are the new ones. Running them again would fail the
 * rollback too; the schema stays at the last migration that succeeded, which the expand/contract
 * rule keeps usable by the previous code.
 */
export const migrationsStep: BootstrapStep = {
  name: 'migrations',
  async run(client, logger, request) {
    const files = await readMigrationFiles(request.migrationsDirectory);
    const bundled = migrationsHash(files);
    if (request.properties.MigrationsHash !== bundled) {
      const version = await readSchemaVersion(client);
      logger.warn(
        'Migrations left as they are: the request names other migrations than the bundled ones (a rollback)',
        {
          schemaVersion: version,
        },
      );
      return { SchemaVersion: version };
    }
    // Loaded here: the roles step and the probe need none of node-pg-migrate.
    const { migrate } = await import('../migrations/runner.js');
    try {
      const result = await migrate(client, {
        directory: request.migrationsDirectory,
        direction: 'up',
        ...DEPLOY_MIGRATION_LIMITS,
        logger: {
          info: (message) => logger.info(message),
          warn: (message) => logger.warn(message),
        },
      });
      logger.info('Migrations applied', {
        ran: result.ran.length === 0 ? 'none' : result.ran.join(', '),
        schemaVersion: result.version,
        as: MIGRATOR_USERNAME,
      });
      return { SchemaVersion: result.version };
    } finally {
      await client.query('RESET ROLE').catch(() => undefined);
    }
  },
};

/** Run in order on Create and on every Update: the roles, then the migrations as the migrator. */
export const BOOTSTRAP_STEPS: readonly BootstrapStep[] = [rolesStep, migrationsStep];
