import { judge, type Check } from '../finding.js';

/** AC7: storage encrypted at rest with the stack's customer-managed key. */
export const storageEncryptionCheck: Check = {
  criterion: 'AC7',
  name: 'storage encryption',
  async run(context) {
    const keyArn = context.output('KmsKeyArn');
    const instance = await context.instance();
    const problems: string[] = [];
    if (instance.StorageEncrypted !== true) problems.push('storage is not encrypted');
    const used = instance.KmsKeyId;
    if (instance.StorageEncrypted === true && used !== keyArn) {
      // RDS reports the key ARN; resolve anything else (an alias) before comparing.
      const resolved = used === undefined ? undefined : (await context.key(used)).Arn;
      if (resolved !== keyArn)
        problems.push(`storage key ${used ?? 'unknown'} is not the stack key ${keyArn}`);
    }
    return judge(problems, `storage encrypted with the stack key ${keyArn}`);
  },
};
