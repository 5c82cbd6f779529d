import * as z from 'zod';
import { checkConnectionSecret, describeSecretProblems } from '../../runtime/connection-secret.js';
import { redactConnectionStrings } from '../../runtime/redact.js';
import { DATABASE_NAME } from '../../shared/names.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseConnectionUrl } from './parse-url.js';
import type { CheckTarget } from './target.js';

/**
 * The credentials secret RDS and CDK generate (`spendsense/<stage>/database/credentials`):
 * once attached to the instance it carries the endpoint too.
 */
const credentialsSecretSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  dbname: z.string().min(1).optional(),
});

export interface SecretReadOptions {
  readonly secretId: string;
  readonly timeoutMillis: number;
  /** @default - the standard AWS region resolution (AWS_REGION, profile, ...) */
  readonly region?: string;
  /** @default - the standard AWS profile resolution (AWS_PROFILE, default) */
  readonly profile?: string;
}

/**
 * Reads the connection or the credentials secret with the AWS SDK's standard credential,
 * region and profile resolution, and turns it into a target. Nothing of the secret's value
 * reaches an error message: only field names and the kind of problem.
 */
export async function readSecretTarget(options: SecretReadOptions): Promise<CheckTarget> {
  const secretString = await fetchSecretString(options);
  return targetFromSecret(options.secretId, secretString);
}

export function targetFromSecret(secretId: string, secretString: string): CheckTarget {
  const label = `secret ${secretId}`;
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    throw malformed(secretId, 'its value is not valid JSON');
  }
  const connection = checkConnectionSecret(value);
  if (connection.success) {
    const secret = connection.data;
    return fromComponents(label, secretString, {
      host: secret.host,
      port: secret.port,
      database: secret.dbname,
      user: secret.username,
      password: secret.password,
    });
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { url?: unknown }).url === 'string'
  ) {
    const target = parseConnectionUrl((value as { url: string }).url, 'secret', label);
    return { ...target, secrets: [...target.secrets, secretString] };
  }
  const credentials = credentialsSecretSchema.safeParse(value);
  if (credentials.success) {
    const secret = credentials.data;
    return fromComponents(label, secretString, {
      host: secret.host,
      port: secret.port,
      database: secret.dbname ?? DATABASE_NAME,
      user: secret.username,
      password: secret.password,
    });
  }
  throw malformed(
    secretId,
    `it is neither a connection secret (url or components) nor an RDS credentials secret: ${describeSecretProblems(credentials.error)}`,
  );
}

function fromComponents(
  label: string,
  secretString: string,
  parts: Pick<CheckTarget, 'host' | 'port' | 'database' | 'user' | 'password'>,
): CheckTarget {
  return {
    ...parts,
    source: 'secret',
    sourceLabel: label,
    caFiles: [],
    notes: [],
    secrets: [parts.password, secretString],
  };
}

async function fetchSecretString(options: SecretReadOptions): Promise<string> {
  // Loaded only for --secret-id: the SDK is the heaviest import of the CLI.
  const { GetSecretValueCommand, SecretsManagerClient } =
    await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({
    maxAttempts: 2,
    ...(options.region !== undefined && { region: options.region }),
    ...(options.profile !== undefined && { profile: options.profile }),
  });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMillis);
  try {
    const response = await client.send(new GetSecretValueCommand({ SecretId: options.secretId }), {
      abortSignal: abort.signal,
    });
    if (response.SecretString === undefined) {
      throw malformed(
        options.secretId,
        'it has no SecretString (a binary secret is not supported)',
      );
    }
    return response.SecretString;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw secretError(options, error, abort.signal.aborted);
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}

function secretError(options: SecretReadOptions, error: unknown, timedOut: boolean): CliError {
  const { secretId } = options;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? redactConnectionStrings(error.message) : '';
  if (timedOut) {
    return new CliError(
      `Secrets Manager did not answer within ${options.timeoutMillis} ms.`,
      ExitCode.NoAnswer,
      'Check your network (a proxy or VPN) and the region, or raise --timeout-ms.',
      { cause: error },
    );
  }
  switch (name) {
    case 'ResourceNotFoundException':
      return new CliError(
        `Secret ${secretId} was not found.`,
        ExitCode.SecretNotFound,
        'Check the name (spendsense/<stage>/database/connection) and the region (AWS_REGION or --region): secrets are regional.',
        { cause: error },
      );
    case 'AccessDeniedException':
    case 'DecryptionFailure':
      return new CliError(
        `Access to secret ${secretId} was denied (${name}).`,
        ExitCode.SecretAccessDenied,
        'Your AWS identity needs secretsmanager:GetSecretValue on the secret and kms:Decrypt on the database KMS key.',
        { cause: error },
      );
    case 'CredentialsProviderError':
    case 'ExpiredTokenException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
      return new CliError(
        `No valid AWS credentials to read secret ${secretId} (${name}).`,
        ExitCode.AwsCredentialsMissing,
        'Sign in (`aws sso login`, or `aws configure`) or choose a profile with AWS_PROFILE or --profile.',
        { cause: error },
      );
  }
  if (/region is missing/i.test(message)) {
    return new CliError(
      `No AWS region is configured to read secret ${secretId}.`,
      ExitCode.AwsCredentialsMissing,
      'Set AWS_REGION, pass --region, or set a region in your AWS profile.',
      { cause: error },
    );
  }
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT)$/.test(code)
  ) {
    return new CliError(
      `Secrets Manager could not be reached (${code}).`,
      ExitCode.NoAnswer,
      'Check your network connection (a proxy or VPN) and the region.',
      { cause: error },
    );
  }
  return new CliError(
    `Reading secret ${secretId} failed: ${name}: ${message}`,
    ExitCode.SecretAccessDenied,
    'Check the secret id, the region and your AWS credentials.',
    { cause: error },
  );
}

function malformed(secretId: string, reason: string): CliError {
  return new CliError(
    `Secret ${secretId} is malformed: ${reason}.`,
    ExitCode.SecretMalformed,
    'The connection secret holds JSON { url, engine, host, port, dbname, username, password }; redeploy the stack to rewrite it.',
  );
}
