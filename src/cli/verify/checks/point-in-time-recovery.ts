import { fail, judge, type Check } from '../finding.js';

/** RDS keeps the latest restorable time within about 5 minutes; 10 leaves room for clock skew. */
export const MAX_RESTORE_LAG_MINUTES = 10;

/** AC2: point-in-time recovery is current: the latest restorable time is recent. */
export const pointInTimeRecoveryCheck: Check = {
  criterion: 'AC2',
  name: 'point-in-time recovery',
  async run(context) {
    const instance = await context.instance();
    const latest = instance.LatestRestorableTime;
    if (latest === undefined) {
      return fail('no latest restorable time: backups are off or have not run yet');
    }
    const lagMinutes = (context.now().getTime() - latest.getTime()) / 60_000;
    const when = `${latest.toISOString()} (${Math.max(0, Math.round(lagMinutes))} min ago)`;
    return judge(
      lagMinutes > MAX_RESTORE_LAG_MINUTES
        ? [`latest restorable time ${when}, more than ${MAX_RESTORE_LAG_MINUTES} min`]
        : [],
      `latest restorable time ${when}`,
    );
  },
};
