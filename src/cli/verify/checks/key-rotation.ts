import { keyIdOf } from '../../aws/console-links.js';
import { judge, type Check } from '../finding.js';

/** AC7: the stack key is customer-managed, enabled, and rotates automatically. */
export const keyRotationCheck: Check = {
  criterion: 'AC7',
  name: 'key rotation',
  async run(context) {
    const keyArn = context.output('KmsKeyArn');
    const key = await context.key(keyArn);
    const rotation = await context.keyRotation(keyArn);
    const problems: string[] = [];
    if (key.KeyManager !== 'CUSTOMER')
      problems.push(`key ${keyIdOf(keyArn)} is not customer-managed`);
    if (key.KeyState !== 'Enabled')
      problems.push(`key ${keyIdOf(keyArn)} is ${key.KeyState ?? 'in an unknown state'}`);
    if (rotation.KeyRotationEnabled !== true)
      problems.push(`automatic rotation of ${keyIdOf(keyArn)} is off`);
    return judge(
      problems,
      `customer-managed key ${keyIdOf(keyArn)} enabled, rotation every ${rotation.RotationPeriodInDays ?? 365} days`,
    );
  },
};
