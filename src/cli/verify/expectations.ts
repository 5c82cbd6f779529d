import type { Stage } from '../../shared/names.js';
import {
  literalBoolean,
  literalNumber,
  literalString,
  resourcesOfType,
  type CloudFormationTemplate,
} from '../aws/cloudformation-template.js';

/**
 * What each stage requires whatever its configuration says (the design brief's stage table,
 * also enforced by the stage config schema in src/infra/config). `verify` cannot import the
 * infrastructure code, so it checks these floors here and takes the configured values from the
 * template CloudFormation actually deployed.
 */
export interface StagePolicy {
  readonly minimumBackupRetentionDays: number;
  readonly requiresDeletionProtection: boolean;
  readonly requiresMultiAz: boolean;
  /** Master password rotation on a schedule (dev may turn it off). */
  readonly requiresRotation: boolean;
}

export const STAGE_POLICIES: Readonly<Record<Stage, StagePolicy>> = {
  dev: {
    minimumBackupRetentionDays: 7,
    requiresDeletionProtection: false,
    requiresMultiAz: false,
    requiresRotation: false,
  },
  prod: {
    minimumBackupRetentionDays: 14,
    requiresDeletionProtection: true,
    requiresMultiAz: true,
    requiresRotation: true,
  },
};

/**
 * The instance as the deployed template declares it: the stage configuration as it was
 * synthesized, context overrides included. A property that is not a literal is `undefined`.
 */
export interface DeclaredInstance {
  readonly logicalId: string;
  readonly instanceClass?: string;
  readonly backupRetentionDays?: number;
  readonly multiAz?: boolean;
  readonly deletionProtection?: boolean;
  readonly publiclyAccessible?: boolean;
  readonly deleteAutomatedBackups?: boolean;
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
}

/**
 * Finds the stack's RDS instance in its template: the only one, or the one whose
 * `DBInstanceIdentifier` is `identifier`.
 */
export function declaredInstance(
  template: CloudFormationTemplate,
  identifier: string,
): DeclaredInstance | undefined {
  const instances = resourcesOfType(template, 'AWS::RDS::DBInstance');
  const match =
    instances.length === 1
      ? instances[0]
      : instances.find(([, resource]) => resource.Properties?.DBInstanceIdentifier === identifier);
  if (match === undefined) return undefined;
  const [logicalId, resource] = match;
  const properties = resource.Properties ?? {};
  return {
    logicalId,
    instanceClass: literalString(properties.DBInstanceClass),
    backupRetentionDays: literalNumber(properties.BackupRetentionPeriod),
    multiAz: literalBoolean(properties.MultiAZ),
    deletionProtection: literalBoolean(properties.DeletionProtection),
    publiclyAccessible: literalBoolean(properties.PubliclyAccessible),
    deleteAutomatedBackups: literalBoolean(properties.DeleteAutomatedBackups),
    deletionPolicy: resource.DeletionPolicy,
    updateReplacePolicy: resource.UpdateReplacePolicy,
  };
}

/**
 * A boolean setting's expected value: the declared one, unless the stage requires `true`.
 * `conflict` says when the deployed configuration itself breaks the stage's rule.
 */
export function expectedFlag(
  declared: boolean | undefined,
  requiredTrue: boolean,
  stage: Stage,
  what: string,
): { readonly value: boolean; readonly conflict?: string } {
  if (requiredTrue && declared === false) {
    return {
      value: true,
      conflict: `${stage} requires ${what} but the deployed configuration turns it off`,
    };
  }
  return { value: requiredTrue || (declared ?? false) };
}
