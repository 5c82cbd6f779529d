import { desiredNames, freeNames } from '../desired-names.js';
import { fail, pass, type PreflightCheck } from '../check.js';

/**
 * No log group outside this stack has a name the stage creates. The stack's own and RDS's log
 * groups are named after the creation of the stack, so a new stack cannot collide with what a
 * deleted one retained; a name without it could.
 */
export const logGroupNamesCheck: PreflightCheck = {
  name: 'log group names',
  async run(context) {
    const desired = await desiredNames(context, 'AWS::Logs::LogGroup', 'LogGroupName');
    const taken: string[] = [];
    for (const { name } of desired.names) {
      if ((await context.logGroupExists(name)) && !desired.owned.has(name)) taken.push(name);
    }
    if (taken.length === 0) return pass(freeNames(desired, 'log group names'));
    return fail(
      `${taken.join(', ')} exist${taken.length === 1 ? 's' : ''} outside this stack`,
      'A retained log group of an earlier stack keeps its logs: export what you need, then `aws logs delete-log-group --log-group-name <name>`.',
    );
  },
};
