import { desiredNames, freeNames } from '../desired-names.js';
import { fail, pass, type PreflightCheck } from '../check.js';

/** No SSM parameter outside this stack has a name the stage publishes. */
export const parameterNamesCheck: PreflightCheck = {
  name: 'SSM parameter names',
  async run(context) {
    const desired = await desiredNames(context, 'AWS::SSM::Parameter', 'Name');
    const existing = await context.parameters(desired.names.map(({ name }) => name));
    const taken = desired.names
      .map(({ name }) => name)
      .filter((name) => existing.has(name) && !desired.owned.has(name));
    if (taken.length === 0) return pass(freeNames(desired, 'parameter names'));
    return fail(
      `${taken.join(', ')} exist${taken.length === 1 ? 's' : ''} outside this stack`,
      'Delete them (`aws ssm delete-parameter --name <name>`) once nothing reads them (a stack of another app may), then deploy.',
    );
  },
};
