import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { connectionUrl } from '../../../src/runtime/connection-secret.js';
import type { LogFields, RotationLogger } from '../../../src/runtime/rotation/index.js';
import type { FakeSecretsManager } from './fake-secrets-manager.js';

export interface DatabaseUser {
  readonly username: string;
  readonly password: string;
}

export interface DatabaseAddress {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

export interface SeededSecrets {
  readonly credentialsArn: string;
  readonly connectionArn: string;
}

/**
 * The two secrets as the stack creates them: the credentials as the RDS attachment leaves them
 * (`username`, `password`, `engine`, `host`, `port`, `dbInstanceIdentifier`), and the connection
 * secret composed from them.
 */
export function seedSecrets(
  fake: FakeSecretsManager,
  address: DatabaseAddress,
  user: DatabaseUser,
  names: { credentials: string; connection: string } = {
    credentials: 'spendsense/test/database/credentials',
    connection: 'spendsense/test/database/connection',
  },
): SeededSecrets {
  const credentialsArn = fake.createSecret(
    names.credentials,
    JSON.stringify({
      username: user.username,
      password: user.password,
      engine: 'postgres',
      host: address.host,
      port: address.port,
      dbInstanceIdentifier: 'spendsense-test',
    }),
  );
  const connectionArn = fake.createSecret(names.connection, connectionSecretJson(address, user));
  return { credentialsArn, connectionArn };
}

export function connectionSecretJson(address: DatabaseAddress, user: DatabaseUser): string {
  const parts = {
    host: address.host,
    port: address.port,
    dbname: address.database,
    username: user.username,
    password: user.password,
  };
  return JSON.stringify({ url: connectionUrl(parts), engine: 'postgres', ...parts });
}

/** A client the fake answers for; it never reaches AWS. */
export function secretsManagerClient(): SecretsManagerClient {
  return new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-key' },
  });
}

/** A rotation logger that keeps every line, to assert on what would reach CloudWatch. */
export function collectingLogger(): RotationLogger & { readonly lines: string[] } {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (message: string, fields: LogFields = {}): void => {
      lines.push(JSON.stringify({ level, message, ...fields }));
    };
  return { lines, info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
}

export function parse(value: string | undefined): Record<string, unknown> {
  if (value === undefined) throw new Error('expected a secret value');
  return JSON.parse(value) as Record<string, unknown>;
}
