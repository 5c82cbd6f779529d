import { fail, pass, skip, type Check } from '../finding.js';

/**
 * AC6: with `--local`, `check` connects from this machine through the connection secret. A
 * private database is not reachable from a laptop by design, so "not reachable from here" is a
 * skip with the reason, not a failure.
 */
export const localConnectionCheck: Check = {
  criterion: 'AC6',
  name: 'local connection',
  async run(context) {
    if (context.localCheck === undefined) {
      return skip('not run: add --local to connect from this machine with `spendsense-db check`');
    }
    const outcome = await context.localCheck({
      secretArn: context.output('ConnectionSecretArn'),
      region: context.region,
      ...(context.profile !== undefined && { profile: context.profile }),
    });
    if (outcome.result === 'unreachable') return skip(`not reachable from here: ${outcome.detail}`);
    return outcome.result === 'pass' ? pass(outcome.detail) : fail(outcome.detail);
  },
};
