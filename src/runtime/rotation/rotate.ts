import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { PASSWORD_LENGTH } from '../../shared/names.js';
import { scrub } from '../redact.js';
import { scrubbedCause } from '../scrubbed-cause.js';
import type { RotationContext } from './context.js';
import type { DatabaseAccessOptions, DatabaseTarget } from './database.js';
import { RotationConfigurationError, RotationError, RotationStateError } from './errors.js';
import { jsonLineLogger, type RotationLogger, redactingLogger, withFields } from './logger.js';
import { SecretStore, StagingLabel } from './secret-store.js';
import { createSecret } from './steps/create-secret.js';
import { finishAgain, finishSecret } from './steps/finish-secret.js';
import { setSecret } from './steps/set-secret.js';
import { testSecret } from './steps/test-secret.js';

const STEPS = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
} as const satisfies Record<string, (context: RotationContext) => Promise<void>>;
export type RotationStep = keyof typeof STEPS;
const STEP_NAMES = Object.keys(STEPS) as [RotationStep, ...RotationStep[]];

/** What Secrets Manager sends the rotation function, once per step. */
const eventSchema = z.object({
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
  Step: z.enum(STEP_NAMES),
});
export type RotationEvent = z.infer<typeof eventSchema>;

export interface RotationDependencies {
  readonly secretsManager: SecretsManagerClient;
  /** The connection secret rewritten in the same rotation (ARN). */
  readonly connectionSecretId: string;
  /** The instance's own endpoint. */
  readonly database: DatabaseTarget;
  /** @default - RDS certificate authorities only, 5 s connection timeout */
  readonly databaseAccess?: DatabaseAccessOptions;
  /** @default PASSWORD_LENGTH */
  readonly passwordLength?: number;
  /** @default - JSON lines on stdout/stderr */
  readonly logger?: RotationLogger;
}

/**
 * Runs one step of Secrets Manager's rotation protocol for the single-user strategy: the
 * master user changes its own password. Every step can run again with the same event and
 * do no harm, since Secrets Manager retries.
 *
 * Errors are {@link RotationError}s whose messages never hold a password; the step's log
 * lines neither.
 */
export async function rotateSecret(
  event: unknown,
  dependencies: RotationDependencies,
): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = parseEvent(event);
  const seen = new Set<string>();
  const logger = redactingLogger(dependencies.logger ?? jsonLineLogger(), seen);
  const fields = { step, secretId, clientRequestToken: token };
  const started = Date.now();
  const stepLogger = withFields(logger, fields);
  try {
    const store = new SecretStore(dependencies.secretsManager);
    const context: RotationContext = {
      store,
      secretId,
      token,
      connectionSecretId: dependencies.connectionSecretId,
      database: dependencies.database,
      databaseAccess: dependencies.databaseAccess ?? {},
      passwordLength: dependencies.passwordLength ?? PASSWORD_LENGTH,
      logger: stepLogger,
      seen,
    };
    const stages = await checkVersion(store, secretId, token);
    if (stages.includes(StagingLabel.Current)) {
      stepLogger.info('The version is already AWSCURRENT: the rotation has finished');
      // A repeated finish still makes sure the connection secret agrees (with a password the
      // database accepts).
      if (step === 'finishSecret') await finishAgain(context);
      return;
    }
    await STEPS[step](context);
    stepLogger.info('Step done', { durationMillis: Date.now() - started });
  } catch (error) {
    const safe = safeError(error, seen);
    stepLogger.error('Step failed', {
      errorName: safe.name,
      errorMessage: safe.message,
      durationMillis: Date.now() - started,
    });
    throw safe;
  }
}

function parseEvent(event: unknown): RotationEvent {
  if (typeof event !== 'object' || event === null) {
    throw new RotationConfigurationError(
      'Not a Secrets Manager rotation event: expected an object with SecretId, ClientRequestToken and Step.',
    );
  }
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.join('.');
      return field === 'Step'
        ? `Step must be one of ${STEP_NAMES.join(', ')}`
        : `${field} must be a non-empty string`;
    });
    throw new RotationConfigurationError(
      `Not a Secrets Manager rotation event: ${problems.join('; ')}.`,
    );
  }
  return parsed.data;
}

/**
 * The version's staging labels, after the checks every step starts with (as in the AWS
 * rotation templates): rotation on, and the version part of this rotation.
 */
async function checkVersion(
  store: SecretStore,
  secretId: string,
  token: string,
): Promise<readonly string[]> {
  const description = await store.describe(secretId);
  if (description.rotationEnabled === false) {
    throw new RotationStateError(`Rotation is not enabled on ${secretId}.`);
  }
  const stages = description.versions.get(token);
  if (stages === undefined) {
    throw new RotationStateError(
      `Version ${token} of ${secretId} has no staging label: it is not a rotation of this secret.`,
    );
  }
  if (!stages.includes(StagingLabel.Current) && !stages.includes(StagingLabel.Pending)) {
    throw new RotationStateError(
      `Version ${token} of ${secretId} is not staged AWSPENDING (it has ${stages.join(', ') || 'no label'}).`,
    );
  }
  return stages;
}

/**
 * The error to report: ours as is when its message is clean (its causes are scrubbed copies
 * already), anything else wrapped with a scrubbed message and a scrubbed copy as the cause.
 */
function safeError(error: unknown, seen: ReadonlySet<string>): RotationError {
  const message = error instanceof Error ? error.message : String(error);
  const clean = scrub(message, seen);
  if (error instanceof RotationError && clean === message) return error;
  const name = error instanceof Error ? error.name : 'UnknownError';
  return new RotationError(
    error instanceof RotationError ? clean : `Unexpected ${name}: ${clean}`,
    {
      cause: scrubbedCause(error, seen),
    },
  );
}
