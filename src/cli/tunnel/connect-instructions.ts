import {
  DATABASE_NAME,
  MASTER_USERNAME,
  credentialsSecretName,
  type Stage,
} from '../../shared/names.js';
import { cliCommand, shellLine } from '../ui/shell-command.js';
import type { TunnelTarget } from './tunnel-target.js';

/** The address the tunnel listens on: the session-manager plugin binds the loopback interface. */
export const TUNNEL_ADDRESS = '127.0.0.1';

export interface ConnectInstructionsInput {
  readonly stage: Stage;
  readonly region: string;
  readonly target: TunnelTarget;
  readonly localPort: number;
  /** The PEM file with the RDS CAs (see `writeRdsCaBundle`). */
  readonly caBundlePath: string;
  /**
   * The AWS profile the tunnel was opened with: the printed commands need it too.
   * @default - none: the AWS CLI and SDK resolve it as they did for the tunnel
   */
  readonly profile?: string;
}

/**
 * How to connect through the tunnel with certificate verification still on. The server's
 * certificate names the RDS endpoint, never `localhost`, so every client connects to the
 * loopback address while verifying the endpoint name: libpq verifies against `host` and
 * connects to `hostaddr` when both are given; `check` does the same with `--hostaddr`.
 */
export function connectInstructions(input: ConnectInstructionsInput): string {
  const { target, localPort, stage, region } = input;
  const endpoint = target.endpointAddress;
  const conninfo = [
    `host=${endpoint}`,
    `hostaddr=${TUNNEL_ADDRESS}`,
    `port=${localPort}`,
    `dbname=${DATABASE_NAME}`,
    `user=${MASTER_USERNAME}`,
    'sslmode=verify-full',
    `sslrootcert=${conninfoValue(input.caBundlePath)}`,
  ].join(' ');
  // Every printed command names the region and profile the tunnel used, so it works as printed.
  const aws = [
    '--region',
    region,
    ...(input.profile === undefined ? [] : ['--profile', input.profile]),
  ];
  const password = `${shellLine('aws', ['secretsmanager', 'get-secret-value', '--secret-id', credentialsSecretName(stage), ...aws, '--query', 'SecretString', '--output', 'text'])} | jq -r .password`;
  const check = cliCommand([
    'check',
    '--secret-id',
    credentialsSecretName(stage),
    ...aws,
    '--hostaddr',
    TUNNEL_ADDRESS,
    '--port',
    String(localPort),
  ]);
  const migrate = cliCommand([
    'migrate',
    'status',
    '--stage',
    stage,
    ...aws,
    '--port',
    String(localPort),
  ]);
  return [
    `Tunnel: ${TUNNEL_ADDRESS}:${localPort} -> access host ${target.instanceId} -> ${endpoint}:${target.endpointPort}`,
    '',
    `The server certificate names ${endpoint}, not localhost: connect to ${TUNNEL_ADDRESS}:${localPort}`,
    'and verify that name. Never turn verification off to make "localhost" work.',
    '',
    'psql (libpq verifies the certificate against host= and connects to hostaddr=):',
    `  export PGPASSWORD="$(${password})"`,
    `  psql "${conninfo.replace(/["\\$`]/g, '\\$&')}"`,
    '',
    // The credentials secret, not the connection secret: RDS keeps its `host` on the instance
    // endpoint, which is what the tunnel reaches, while the connection secret names the RDS
    // Proxy in stages that have one (and the proxy admits only the Lambda security group).
    'spendsense-db check (the credentials secret, reached through the tunnel):',
    `  ${check}`,
    '',
    'Schema migrations (status, then up; as spendsense_migrator through the same tunnel):',
    `  ${migrate}`,
    '',
    'Other clients: docs/operations.md, "Private access from a laptop".',
    'The tunnel stays open until you press Ctrl-C (or Session Manager ends an idle session).',
    '',
  ].join('\n');
}

/** A libpq conninfo value: quoted when it holds spaces, quotes or backslashes (a folder name). */
function conninfoValue(value: string): string {
  return /[\s'\\]/.test(value) ? `'${value.replace(/['\\]/g, '\\$&')}'` : value;
}
