import dns from 'node:dns';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import type { ClientConfig } from 'pg';
import { afterEach, beforeEach, describe, expect, inject, test, vi } from 'vitest';
import { buildClientConfig, type ConnectionTarget } from '../../src/runtime/client-config.js';
import { DatabaseConfigurationError } from '../../src/runtime/errors.js';
import { queryOnce } from '../support/query.js';

const shared = inject('postgres');
/** Not in the local server certificate, which names localhost, 127.0.0.1 and ::1 only. */
const FOREIGN_NAME = 'db.example.internal';

const target = (host: string): ConnectionTarget => ({
  host,
  port: shared.port,
  database: shared.database,
  user: shared.user,
  password: shared.password,
});

/** The fields of a peer certificate that `tls.checkServerIdentity` reads. */
const certificateNaming = (subjectaltname: string): PeerCertificate =>
  ({ subject: { CN: 'server' }, subjectaltname }) as unknown as PeerCertificate;

function tlsOptions(config: ClientConfig): ConnectionOptions {
  return config.ssl as ConnectionOptions;
}

describe('buildClientConfig with hostAddress (libpq hostaddr)', () => {
  test('connects to the address, sends the host name for SNI', () => {
    const config = buildClientConfig(target(FOREIGN_NAME), { hostAddress: '127.0.0.1' });
    expect(config.host).toBe('127.0.0.1');
    expect(tlsOptions(config)).toMatchObject({
      rejectUnauthorized: true,
      servername: FOREIGN_NAME,
    });
  });

  test('verifies the certificate against the host name, never the address connected to', () => {
    const { checkServerIdentity } = tlsOptions(
      buildClientConfig(target(FOREIGN_NAME), { hostAddress: '127.0.0.1' }),
    );
    expect(checkServerIdentity).toBeTypeOf('function');
    const check = checkServerIdentity as NonNullable<typeof checkServerIdentity>;
    expect(check('127.0.0.1', certificateNaming(`DNS:${FOREIGN_NAME}`))).toBeUndefined();
    expect(check('127.0.0.1', certificateNaming('IP Address:127.0.0.1'))).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  test('an IP host is verified as that IP, with no SNI', () => {
    const { servername, checkServerIdentity } = tlsOptions(
      buildClientConfig(target('10.0.3.17'), { hostAddress: '127.0.0.1' }),
    );
    expect(servername).toBeUndefined();
    const check = checkServerIdentity as NonNullable<typeof checkServerIdentity>;
    expect(check('127.0.0.1', certificateNaming('IP Address:10.0.3.17'))).toBeUndefined();
    expect(check('127.0.0.1', certificateNaming('IP Address:127.0.0.1'))).toBeInstanceOf(Error);
  });

  test('without hostAddress nothing changes: host connected to and verified by Node', () => {
    const config = buildClientConfig(target('localhost'));
    expect(config.host).toBe('localhost');
    expect(tlsOptions(config).servername).toBe('localhost');
    expect(tlsOptions(config).checkServerIdentity).toBeUndefined();
  });

  test.each(['localhost', 'db.example.internal', '127.1', ''])(
    'hostAddress %j is refused: it must be a numeric address',
    (hostAddress) => {
      const build = () => buildClientConfig(target('localhost'), { hostAddress });
      expect(build).toThrow(DatabaseConfigurationError);
      expect(build).toThrow(
        `\`hostAddress\` must be a numeric IPv4 or IPv6 address. Got ${JSON.stringify(hostAddress)}.`,
      );
    },
  );
});

describe('node-postgres with hostAddress against the real PostgreSQL 15', () => {
  let lookup: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    // No name may be resolved: the connection goes to the address alone.
    lookup = vi.spyOn(dns, 'lookup').mockImplementation(((
      host: string,
      _options: unknown,
      callback: (error: NodeJS.ErrnoException) => void,
    ) => {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: 'ENOTFOUND',
      });
      process.nextTick(() => callback(error));
    }) as unknown as typeof dns.lookup);
  });
  afterEach(() => lookup.mockRestore());

  async function connect(host: string): Promise<string> {
    const config = buildClientConfig(target(host), {
      hostAddress: '127.0.0.1',
      extraCertificateAuthorities: [shared.caPem],
      connectionTimeoutMillis: 5000,
    });
    const rows = await queryOnce<{ ssl: boolean }>(
      config,
      'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
    );
    return rows[0]?.ssl === true ? 'encrypted' : 'plain';
  }

  test('the name the certificate carries (localhost) through 127.0.0.1: connected, encrypted', async () => {
    await expect(connect('localhost')).resolves.toBe('encrypted');
    expect(lookup).not.toHaveBeenCalled();
  });

  test('a name the certificate does not carry through the right address: rejected', async () => {
    const failure = await connect(FOREIGN_NAME).then(
      () => undefined,
      (error: unknown) => error as NodeJS.ErrnoException,
    );
    expect(failure?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(failure?.message).toContain(FOREIGN_NAME);
    expect(failure?.message).not.toContain(shared.password);
    expect(lookup).not.toHaveBeenCalled();
  });

  test('an IP host the certificate does not carry: rejected, though the address connected to is in it', async () => {
    // Node alone would check the certificate against 127.0.0.1, which it names.
    const failure = await connect('10.0.3.17').then(
      () => undefined,
      (error: unknown) => error as NodeJS.ErrnoException,
    );
    expect(failure?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(failure?.message).toContain('10.0.3.17');
  });
});
