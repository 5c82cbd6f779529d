import { acknowledge } from '../compliance/acknowledge.js';
import { acknowledgeUnreservedConcurrency } from '../lambda/acknowledgements.js';
import type { DatabaseCredentialsRotation } from './database-credentials-rotation.js';

/**
 * The cdk-nag findings the rotation accepts, each on the narrowest construct, with the reason a
 * reviewer needs (the ENI policy's is with every function, in `createSpendSenseFunction`).
 * Listed in docs/database.md (and docs/operations.md).
 */
export function acknowledgeRotationFindings(
  rotation: DatabaseCredentialsRotation,
  reservedConcurrency: boolean,
): void {
  acknowledge(
    rotation.function,
    'NIST.800.53.R5-LambdaDLQ',
    'Secrets Manager invokes rotation functions synchronously and records a failed step itself (the rotation stays pending and is retried); a dead-letter queue only applies to asynchronous invocations. Failures are logged to the encrypted log group.',
  );
  if (!reservedConcurrency) {
    acknowledgeUnreservedConcurrency(
      rotation.function,
      'Secrets Manager invokes it a few times per rotation, once per interval (30 days), so the shared pool always has room for it',
    );
  }
}
