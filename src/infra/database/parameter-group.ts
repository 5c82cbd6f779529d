import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';

/**
 * Server settings. TLS is forced, passwords are stored as SCRAM, and the logs show who
 * connected, what was slow and what waited, without statement parameters: SpendSense stores
 * spending data, and a logged bind value or an `ALTER ROLE ... PASSWORD` text would leak it.
 */
export const DATABASE_PARAMETERS: Readonly<Record<string, string>> = {
  // The PostgreSQL 15 default on RDS is already 1: set anyway so drift cannot turn it off.
  'rds.force_ssl': '1',
  password_encryption: 'scram-sha-256',
  // Never 'ddl' or 'all': both log ALTER ROLE statements, passwords included.
  log_statement: 'none',
  log_min_duration_statement: '1000',
  log_parameter_max_length: '0',
  log_parameter_max_length_on_error: '0',
  log_connections: '1',
  log_disconnections: '1',
  log_lock_waits: '1',
  log_temp_files: '10240',
  log_autovacuum_min_duration: '10000',
  // A Lambda frozen mid-transaction must not hold locks for long.
  idle_in_transaction_session_timeout: '300000',
};

export function createParameterGroup(
  scope: Construct,
  engine: rds.IInstanceEngine,
  stage: string,
): rds.ParameterGroup {
  return new rds.ParameterGroup(scope, 'Parameters', {
    engine,
    description: `SpendSense ${stage} PostgreSQL: TLS forced, SCRAM, connection and slow-query logging`,
    parameters: { ...DATABASE_PARAMETERS },
  });
}
