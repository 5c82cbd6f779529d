import { Aws, Fn } from 'aws-cdk-lib';
import type { Stage } from '../../shared/names.js';

/**
 * Eight hex digits unique to one creation of the stack, resolved by CloudFormation at deploy
 * time: the first group of the UUID that ends the stack id
 * (`arn:aws:cloudformation:<region>:<account>:stack/<name>/5f1a2b30-9c4d-11ef-8e3a-0affd1a2b3c4`).
 * Stack ids carry time-based UUIDs, whose first group (the low bits of the creation time)
 * differs between any two creations; the last group does not. The id never changes while the
 * stack lives (updates keep it), and a stack deleted and deployed again gets a new one.
 */
export function creationId(): string {
  const uuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.select(0, Fn.split('-', uuid));
}

/**
 * The names of a stage that outlive its stack. Prod keeps its log groups when the stack is
 * deleted, and RDS names its log groups after the instance, so a constant name would block the
 * next creation (the log group already exists); the final snapshot and the automated backups
 * RDS keeps are found by the identifier of the instance they came from. Each creation therefore
 * gets its own instance identifier and log group prefix, and what one creation left behind stays
 * findable by its creation id. Everything else with a fixed name (secrets, parameters, the
 * topic, the alarms, the export, the key alias) is deleted with the stack and can be reused.
 */
export interface CreationNames {
  /** `spendsense-<stage>-<creation id>`: 24 characters, within RDS's 63. */
  readonly instanceIdentifier: string;
  /** `/spendsense/<stage>/database/<creation id>`: the stack's own log groups go under it. */
  readonly logGroupPrefix: string;
}

export function creationNames(stage: Stage): CreationNames {
  const id = creationId();
  return {
    instanceIdentifier: `spendsense-${stage}-${id}`,
    logGroupPrefix: `/spendsense/${stage}/database/${id}`,
  };
}
