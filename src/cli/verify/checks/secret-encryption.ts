import { connectionSecretName, credentialsSecretName } from '../../../shared/names.js';
import { keyIdOf } from '../../aws/console-links.js';
import type { VerifyContext } from '../context.js';
import { judge, type Check } from '../finding.js';

/** AC4: both secrets exist, are not being deleted, and are encrypted with the stack's key. */
export const secretEncryptionCheck: Check = {
  criterion: 'AC4',
  name: 'secrets encrypted',
  async run(context) {
    const keyArn = context.output('KmsKeyArn');
    const secrets = [
      { arn: context.output('CredentialsSecretArn'), name: credentialsSecretName(context.stage) },
      { arn: context.output('ConnectionSecretArn'), name: connectionSecretName(context.stage) },
    ];
    const problems: string[] = [];
    for (const { arn, name } of secrets) {
      const secret = await context.secret(arn);
      if (secret.Name !== name)
        problems.push(`${arn} is named ${secret.Name ?? '?'}, expected ${name}`);
      if (secret.DeletedDate !== undefined) problems.push(`${name} is scheduled for deletion`);
      const problem = await keyProblem(context, secret.KmsKeyId, keyArn);
      if (problem !== undefined) problems.push(`${name} ${problem}`);
    }
    return judge(
      problems,
      `${secrets.map((secret) => secret.name).join(' and ')} encrypted with the stack key ${keyIdOf(keyArn)}`,
    );
  },
};

/**
 * Why `keyId` (a key id, key ARN, alias name or alias ARN, as Secrets Manager reports it) is not
 * the stack key, or `undefined` when it is.
 */
async function keyProblem(
  context: VerifyContext,
  keyId: string | undefined,
  stackKeyArn: string,
): Promise<string | undefined> {
  if (keyId === undefined) return 'uses the AWS-managed key aws/secretsmanager, not the stack key';
  if (keyId === stackKeyArn) return undefined;
  const arn = (await context.key(keyId)).Arn;
  return arn === stackKeyArn ? undefined : `is encrypted with ${arn ?? keyId}, not the stack key`;
}
