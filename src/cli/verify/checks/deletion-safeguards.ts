import { STAGE_POLICIES, expectedFlag } from '../expectations.js';
import { judge, type Check } from '../finding.js';

/**
 * AC2: a careless delete cannot lose data: CloudFormation snapshots the instance on delete
 * (its deletion policy, which only the deployed template shows), automated backups outlive the
 * instance, and deletion protection is on wherever the stage requires it.
 */
export const deletionSafeguardsCheck: Check = {
  criterion: 'AC2',
  name: 'deletion safeguards',
  async run(context) {
    const instance = await context.instance();
    const declared = await context.declaredInstance();
    const problems: string[] = [];

    if (declared.deletionPolicy !== 'Snapshot') {
      problems.push(
        `deletion policy ${declared.deletionPolicy ?? 'Delete (default)'}, expected Snapshot`,
      );
    }
    if (declared.deleteAutomatedBackups !== false) {
      problems.push(
        'automated backups are deleted with the instance (DeleteAutomatedBackups is not false)',
      );
    }
    const protection = expectedFlag(
      declared.deletionProtection,
      STAGE_POLICIES[context.stage].requiresDeletionProtection,
      context.stage,
      'deletion protection',
    );
    if (protection.conflict !== undefined) problems.push(protection.conflict);
    const live = instance.DeletionProtection ?? false;
    if (live !== protection.value) {
      problems.push(`deletion protection ${onOff(live)}, expected ${onOff(protection.value)}`);
    }

    return judge(
      problems,
      `snapshot on delete, automated backups kept, deletion protection ${onOff(live)} (as ${context.stage} requires)`,
    );
  },
};

function onOff(value: boolean): string {
  return value ? 'on' : 'off';
}
