import { desiredNames, freeNames } from '../desired-names.js';
import { fail, pass, type PreflightCheck } from '../check.js';

/**
 * No secret outside this stack has a name the stage creates. CloudFormation deletes a deleted
 * stack's secrets without a recovery window, but Secrets Manager finishes in the background:
 * right after a delete, or after a deletion by hand with a recovery window, the name is still
 * taken ("scheduled for deletion").
 */
export const secretNamesCheck: PreflightCheck = {
  name: 'secret names',
  async run(context) {
    const desired = await desiredNames(context, 'AWS::SecretsManager::Secret', 'Name');
    const taken: string[] = [];
    let scheduled = false;
    for (const { name } of desired.names) {
      const secret = await context.secret(name);
      if (secret === undefined || desired.owned.has(secret.ARN ?? '')) continue;
      if (secret.DeletedDate !== undefined) {
        scheduled = true;
        taken.push(`${name} is scheduled for deletion (since ${secret.DeletedDate.toISOString()})`);
      } else {
        taken.push(`${name} exists outside this stack (${secret.ARN ?? 'no ARN'})`);
      }
    }
    if (taken.length === 0) return pass(freeNames(desired, 'secret names'));
    return fail(
      taken.join('; '),
      scheduled
        ? 'A stack deleted moments ago: wait a minute and run preflight again. A secret deleted by hand keeps its name for its recovery window: `aws secretsmanager restore-secret` (to keep it) or `aws secretsmanager delete-secret --force-delete-without-recovery --secret-id <name>`.'
        : 'Delete or rename the other secret (check nothing uses it first), or deploy the stage to another account or region.',
    );
  },
};
