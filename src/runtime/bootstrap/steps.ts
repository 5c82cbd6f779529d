import type pg from 'pg';
import type { RotationLogger } from '../rotation/logger.js';
import { convergeRoles } from '../roles/converge.js';

/** One thing the bootstrap does to the database, in a session as the master user. */
export interface BootstrapStep {
  readonly name: string;
  /** Returns values for the custom resource's attributes (`Fn::GetAtt`), never a secret. */
  run(
    client: pg.Client,
    logger: RotationLogger,
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
 * Run in order on Create and on every Update. The schema migrations will be the next step, run
 * as `spendsense_migrator` once the roles exist.
 */
export const BOOTSTRAP_STEPS: readonly BootstrapStep[] = [rolesStep];
