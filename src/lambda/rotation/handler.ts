import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type RotationSettings,
  rotateSecret,
  rotationSettingsFromEnvironment,
} from '../../runtime/rotation/index.js';

// Built once per execution environment. Timeouts matter: without them an unreachable Secrets
// Manager endpoint would hang the step until the function's own timeout.
const secretsManager = new SecretsManagerClient({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true },
});
let settings: RotationSettings | undefined;

/**
 * Secrets Manager calls this once per rotation step with `{ SecretId, ClientRequestToken, Step }`
 * (synchronously: a thrown error fails the step and the rotation).
 */
export async function handler(event: unknown): Promise<void> {
  settings ??= rotationSettingsFromEnvironment(process.env);
  await rotateSecret(event, { ...settings, secretsManager });
}
