import { fail, judge, type Check } from '../finding.js';

export const FORCE_SSL_PARAMETER = 'rds.force_ssl';

/**
 * AC7, in transit: the attached parameter group sets `rds.force_ssl = 1` itself (an engine
 * default would not survive a change of default) and the instance has applied it.
 */
export const tlsForcedCheck: Check = {
  criterion: 'AC7',
  name: 'TLS forced',
  async run(context) {
    const instance = await context.instance();
    const attached = instance.DBParameterGroups?.[0];
    const groupName = attached?.DBParameterGroupName;
    if (groupName === undefined) return fail('the instance has no parameter group');
    const parameter = await context.parameter(groupName, FORCE_SSL_PARAMETER);
    const applyStatus = attached?.ParameterApplyStatus ?? 'unknown';
    const problems: string[] = [];
    if (parameter === undefined) {
      problems.push(`${FORCE_SSL_PARAMETER} is not set in ${groupName} (engine default only)`);
    } else if (parameter.ParameterValue !== '1') {
      problems.push(
        `${FORCE_SSL_PARAMETER} = ${parameter.ParameterValue ?? '(empty)'} in ${groupName}, expected 1`,
      );
    }
    if (applyStatus !== 'in-sync')
      problems.push(`parameter group ${groupName} is ${applyStatus}, not in-sync`);
    return judge(problems, `${FORCE_SSL_PARAMETER} = 1 in ${groupName} (${applyStatus})`);
  },
};
