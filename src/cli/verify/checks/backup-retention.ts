import { STAGE_POLICIES } from '../expectations.js';
import { judge, type Check } from '../finding.js';

/** AC2: automated backups kept at least as long as configured, and never below the stage floor. */
export const backupRetentionCheck: Check = {
  criterion: 'AC2',
  name: 'backup retention',
  async run(context) {
    const instance = await context.instance();
    const declared = await context.declaredInstance();
    const floor = STAGE_POLICIES[context.stage].minimumBackupRetentionDays;
    const configured = declared.backupRetentionDays;
    const minimum = Math.max(floor, configured ?? 0);
    const why =
      configured !== undefined && configured >= floor
        ? `configured ${configured}`
        : `${context.stage} minimum ${floor}`;
    const days = instance.BackupRetentionPeriod ?? 0;

    const problems: string[] = [];
    if (days === 0) problems.push('automated backups are off (retention 0 days)');
    else if (days < minimum) {
      problems.push(`retention ${days} days, expected at least ${minimum} (${why})`);
    }
    return judge(
      problems,
      `${days} days (at least ${minimum}: ${why}), window ${instance.PreferredBackupWindow ?? 'none'} UTC`,
    );
  },
};
