import { reservations, sum } from '../template-facts.js';
import { fail, pass, type PreflightCheck } from '../check.js';

/**
 * Lambda refuses a reservation that leaves less than its minimum unreserved concurrency: 100,
 * or the whole quota when it is smaller (a new account starts with 10, and then nothing can be
 * reserved). The Lambda guide: "You can reserve up to the Unreserved account concurrency value,
 * minus 100".
 */
export const UNRESERVED_MINIMUM = 100;

/** What the stage reserves fits in the account's unreserved concurrency. */
export const lambdaConcurrencyCheck: PreflightCheck = {
  name: 'Lambda concurrency',
  async run(context) {
    const wanted = reservations(context.synthesized.template);
    const deployed = reservations((await context.deployedTemplate()) ?? { Resources: {} });
    const account = await context.lambdaAccount();
    const quota = account.ConcurrentExecutions ?? 0;
    const unreserved = account.UnreservedConcurrentExecutions ?? 0;
    const facts = `account quota ${quota}, ${unreserved} unreserved`;
    if (wanted.size === 0) return pass(`the stage reserves nothing (${facts})`);

    const total = sum(wanted.values());
    // What the deployed stack already reserves is not in the unreserved figure any more.
    const more = total - sum(deployed.values());
    const minimum = Math.min(UNRESERVED_MINIMUM, quota);
    const room = unreserved - minimum;
    const what = [...wanted].map(([id, value]) => `${id} ${value}`).join(', ');
    if (more <= room) {
      return pass(
        `the stage reserves ${total} (${what}); ${facts}, at least ${minimum} kept unreserved`,
      );
    }
    return fail(
      `the stage reserves ${total} (${what}), ${more} more than now; ${facts}, and Lambda keeps at least ${minimum} unreserved, so only ${Math.max(0, room)} can be reserved`,
      `Set reservedConcurrency.probe and reservedConcurrency.rotation to 0 for ${context.stage} (the default), or ask for a higher "Concurrent executions" quota (Service Quotas, lambda L-B99A9384) first.`,
    );
  },
};
