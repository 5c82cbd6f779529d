import {
  DATABASE_NAME,
  OutputKeys,
  connectionSecretName,
  credentialsSecretName,
} from '../../../shared/names.js';
import { missingOutputs } from '../../aws/stack-outputs.js';
import { fail, judge, type Check } from '../finding.js';

/** Statuses in which the outputs describe what is deployed. */
const SETTLED = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
]);

/**
 * AC5: the stack documents the endpoint and where the credentials live, in the outputs `info`
 * and the environment page are generated from, and the documented values are the real ones.
 */
export const stackOutputsCheck: Check = {
  criterion: 'AC5',
  name: 'stack outputs',
  async run(context) {
    const { outputs, status } = context.stack;
    const missing = missingOutputs(outputs);
    if (missing.length > 0) return fail(`stack outputs missing: ${missing.join(', ')}`);
    const present = Object.keys(OutputKeys).filter((key) => (outputs[key] ?? '') !== '');

    const instance = await context.instance();
    const problems: string[] = [];
    if (!SETTLED.has(status)) problems.push(`stack status ${status}`);
    const mustMatch = (
      key: keyof typeof OutputKeys,
      actual: string | undefined,
      what: string,
    ): void => {
      if (outputs[key] !== actual) {
        problems.push(`${key} ${outputs[key] ?? ''} is not ${what} (${actual ?? 'unknown'})`);
      }
    };
    mustMatch('EndpointAddress', instance.Endpoint?.Address, 'the instance endpoint');
    mustMatch('EndpointPort', instance.Endpoint?.Port?.toString(), 'the instance port');
    mustMatch('DatabaseName', instance.DBName, 'the instance database');
    if (outputs.DatabaseName !== DATABASE_NAME) {
      problems.push(`DatabaseName is not ${DATABASE_NAME}`);
    }
    mustMatch(
      'ParameterGroupName',
      instance.DBParameterGroups?.[0]?.DBParameterGroupName,
      'the attached parameter group',
    );
    const instanceGroups = (instance.VpcSecurityGroups ?? []).map(
      (group) => group.VpcSecurityGroupId,
    );
    if (!instanceGroups.includes(outputs.DatabaseSecurityGroupId)) {
      problems.push('DatabaseSecurityGroupId is not a security group of the instance');
    }
    for (const [nameKey, arnKey, name] of [
      ['CredentialsSecretName', 'CredentialsSecretArn', credentialsSecretName(context.stage)],
      ['ConnectionSecretName', 'ConnectionSecretArn', connectionSecretName(context.stage)],
    ] as const) {
      if (outputs[nameKey] !== name) problems.push(`${nameKey} is not ${name}`);
      // Secrets Manager appends a dash and six random characters to the name in the ARN.
      if (!(outputs[arnKey] ?? '').includes(`:secret:${name}-`)) {
        problems.push(`${arnKey} is not the ARN of ${name}`);
      }
    }

    return judge(
      problems,
      `${present.length} documented outputs present (${status}); endpoint, port, database, parameter ` +
        'group and security group match the instance; secret names and ARNs as documented',
    );
  },
};
