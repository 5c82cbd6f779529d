/** The settings file the local cluster includes from postgresql.conf. */
export const SETTINGS_FILE_NAME = 'spendsense.conf';

/**
 * Settings written into the data folder at creation and again at every start, so a cluster
 * created by an older version of this code gets the current ones: TLS on, with the certificate files given
 * relative to the data folder (so the state folder can be moved), scram-sha-256 for every
 * password, and no Unix socket — like RDS, the only way in is TCP with TLS.
 */
export function clusterSettings(): string {
  return [
    '# Written by spendsense-db local: mirrors the RDS settings that matter to clients.',
    "unix_socket_directories = ''",
    'ssl = on',
    "ssl_cert_file = '../tls/server.crt'",
    "ssl_key_file = '../tls/server.key'",
    "ssl_ca_file = '../tls/ca.pem'",
    "ssl_min_protocol_version = 'TLSv1.2'",
    "password_encryption = 'scram-sha-256'",
    // RDS runs in UTC whatever the client's time zone.
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    "log_line_prefix = '%m [%p] '",
    '',
  ].join('\n');
}

/**
 * Client authentication: TLS with scram-sha-256 from the loopback addresses, and an explicit
 * rejection of every connection without TLS (what `rds.force_ssl = 1` does on RDS).
 */
export function hostBasedAuthentication(): string {
  return [
    '# Written by spendsense-db local. TYPE  DATABASE  USER  ADDRESS  METHOD',
    'hostssl    all  all  127.0.0.1/32  scram-sha-256',
    'hostssl    all  all  ::1/128       scram-sha-256',
    'hostnossl  all  all  0.0.0.0/0     reject',
    'hostnossl  all  all  ::/0          reject',
    '',
  ].join('\n');
}

/** Settings that may change from one start to the next, passed on the server's command line. */
export interface RuntimeSettings {
  readonly port: number;
  readonly listenAddresses: readonly string[];
  readonly maxConnections: number;
  /** False turns fsync off: for throwaway test instances only. */
  readonly durable: boolean;
}

/**
 * The `-o` option of `pg_ctl start`. pg_ctl hands it to a shell, so every value here is a
 * number or an address made of `[0-9a-f.:]` and needs no quoting.
 */
export function serverOptions(settings: RuntimeSettings): string {
  for (const address of settings.listenAddresses) {
    if (!/^[0-9a-fA-F.:]+$/.test(address)) {
      throw new Error(`Listen address must be an IP address. Got ${JSON.stringify(address)}.`);
    }
  }
  const options = [
    `-p ${settings.port}`,
    `-c listen_addresses=${settings.listenAddresses.join(',')}`,
    `-c max_connections=${settings.maxConnections}`,
  ];
  if (!settings.durable)
    options.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  return options.join(' ');
}
