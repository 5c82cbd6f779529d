import { fileURLToPath } from 'node:url';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { handleBootstrapEvent } from '../../runtime/bootstrap/bootstrap.js';
import type { BootstrapResponse } from '../../runtime/bootstrap/event.js';

// Built once per execution environment. Timeouts matter: without them an unreachable Secrets
// Manager endpoint would hang the deployment until the function's own timeout.
const secretsManager = new SecretsManagerClient({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true },
});

/** `migrations/` is copied beside the bundle (`index.mjs`) at synth: see DatabaseBootstrap. */
const migrationsDirectory = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * The bootstrap custom resource's `onEvent` handler, invoked synchronously by the CDK Provider
 * framework, which answers CloudFormation from outside the VPC. A thrown error fails the
 * deployment with its message.
 */
export async function handler(event: unknown): Promise<BootstrapResponse> {
  return handleBootstrapEvent(event, { secretsManager, migrationsDirectory });
}
