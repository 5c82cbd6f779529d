import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MigrationError } from '../migrations/errors.js';
import { scrub } from '../redact.js';
import { RoleConvergeError } from '../roles/converge.js';
import { close, type DatabaseAccessOptions } from '../rotation/database.js';
import {
  RotationDatabaseError,
  RotationError,
  SecretsManagerCallError,
} from '../rotation/errors.js';
import {
  jsonLineLogger,
  type RotationLogger,
  redactingLogger,
  withFields,
} from '../rotation/logger.js';
import { SecretStore } from '../rotation/secret-store.js';
import { BootstrapError } from './errors.js';
import {
  type BootstrapEvent,
  type BootstrapRequestType,
  type BootstrapResponse,
  parseBootstrapEvent,
  physicalResourceId,
} from './event.js';
import { openMasterSession } from './master-session.js';
import { BOOTSTRAP_STEPS, type BootstrapStep } from './steps.js';

export interface BootstrapDependencies {
  readonly secretsManager: SecretsManagerClient;
  /** The migrations to apply: the folder bundled beside the handler. */
  readonly migrationsDirectory: string;
  /** @default - RDS certificate authorities only, 5 s connection timeout */
  readonly databaseAccess?: DatabaseAccessOptions;
  /** @default - JSON lines on stdout/stderr */
  readonly logger?: RotationLogger;
  /** @default BOOTSTRAP_STEPS */
  readonly steps?: readonly BootstrapStep[];
}

interface Context {
  readonly dependencies: BootstrapDependencies;
  readonly logger: RotationLogger;
  readonly seen: Set<string>;
}

type Request<T extends BootstrapRequestType> = Extract<BootstrapEvent, { RequestType: T }>;

/**
 * What each request does. Create and Update bring the database to the desired state (the steps
 * are idempotent); Delete leaves it alone: the roles outlive the stack, like the data (the
 * instance is kept as a snapshot), and a physical id that changes on Update already tells
 * CloudFormation the old one is gone.
 */
const REQUESTS: {
  readonly [T in BootstrapRequestType]: (
    event: Request<T>,
    context: Context,
  ) => Promise<BootstrapResponse>;
} = {
  Create: (event, context) => runSteps(event, context),
  Update: (event, context) => runSteps(event, context),
  Delete: async (event, context) => {
    context.logger.info('Stack deletion: the roles are left as they are');
    return { PhysicalResourceId: event.PhysicalResourceId };
  },
};

/**
 * The bootstrap custom resource's `onEvent` handler (CDK Provider framework). Errors are
 * {@link BootstrapError}s whose messages never hold a password; CloudFormation shows them as
 * the reason the deployment failed.
 */
export async function handleBootstrapEvent(
  event: unknown,
  dependencies: BootstrapDependencies,
): Promise<BootstrapResponse> {
  const seen = new Set<string>();
  const logger = redactingLogger(
    dependencies.logger ?? jsonLineLogger(undefined, 'spendsense-bootstrap'),
    seen,
  );
  const parsed = parseBootstrapEvent(event);
  if ('problems' in parsed) {
    const error = new BootstrapError(
      `Not a bootstrap custom resource event: ${parsed.problems}. The stack sends RequestType, ResourceProperties (CredentialsSecretArn, DatabaseHost, DatabasePort, DatabaseName, InstanceClass, RolesHash, MigrationsHash) and, on Update and Delete, PhysicalResourceId.`,
    );
    logger.error('Failed', { errorName: error.name, errorMessage: error.message });
    throw error;
  }
  const context: Context = {
    dependencies,
    seen,
    logger: withFields(logger, {
      requestType: parsed.RequestType,
      logicalResourceId: parsed.LogicalResourceId,
    }),
  };
  const started = Date.now();
  try {
    const handle = REQUESTS[parsed.RequestType] as (
      event: BootstrapEvent,
      context: Context,
    ) => Promise<BootstrapResponse>;
    const response = await handle(parsed, context);
    context.logger.info('Done', { durationMillis: Date.now() - started });
    return response;
  } catch (error) {
    const safe = bootstrapError(error, seen);
    context.logger.error('Failed', {
      errorName: safe.name,
      errorMessage: safe.message,
      durationMillis: Date.now() - started,
    });
    throw safe;
  }
}

async function runSteps(
  event: Request<'Create'> | Request<'Update'>,
  context: Context,
): Promise<BootstrapResponse> {
  const properties = event.ResourceProperties;
  const session = await openMasterSession({
    store: new SecretStore(context.dependencies.secretsManager),
    secretArn: properties.CredentialsSecretArn,
    database: {
      host: properties.DatabaseHost,
      port: properties.DatabasePort,
      database: properties.DatabaseName,
    },
    access: context.dependencies.databaseAccess ?? {},
    logger: context.logger,
    seen: context.seen,
  });
  const data: Record<string, string | number> = {};
  try {
    for (const step of context.dependencies.steps ?? BOOTSTRAP_STEPS) {
      Object.assign(
        data,
        await step.run(session.client, context.logger, {
          properties,
          migrationsDirectory: context.dependencies.migrationsDirectory,
        }),
      );
    }
  } finally {
    await close(session.client);
  }
  return { PhysicalResourceId: physicalResourceId(properties), Data: data };
}

/** The error to report: ours and the role SQL's with their message, anything else scrubbed. */
function bootstrapError(error: unknown, seen: ReadonlySet<string>): BootstrapError {
  const message = scrub(error instanceof Error ? error.message : String(error), seen);
  if (error instanceof MigrationError) {
    return new BootstrapError(
      `${message}${error.kind === 'failed' ? ' Fix the migration (or the data it meets) and deploy again; docs/migrations.md says how to recover.' : ''}`,
      error.code,
    );
  }
  if (error instanceof BootstrapError || error instanceof RoleConvergeError) {
    return new BootstrapError(message, error.code);
  }
  if (error instanceof RotationDatabaseError) {
    return new BootstrapError(
      `${message} The bootstrap function reaches the instance from the Lambda security group; check the instance is available and the database security group admits that group.`,
      error.code,
    );
  }
  if (error instanceof SecretsManagerCallError) {
    return new BootstrapError(
      `${message} The bootstrap function's role may read the credentials secret and decrypt it through Secrets Manager; from isolated subnets it reaches Secrets Manager through the stack's interface endpoint.`,
      error.code,
    );
  }
  if (error instanceof RotationError) return new BootstrapError(message);
  const name = error instanceof Error ? error.name : 'UnknownError';
  return new BootstrapError(`Unexpected ${name}: ${message}`);
}
