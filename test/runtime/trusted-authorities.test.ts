import { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { describe, expect, test } from 'vitest';
import { buildClientConfig } from '../../src/runtime/client-config.js';
import { allRdsCertificateAuthorities } from '../../src/runtime/tls.js';
import { DATABASE_CA_IDENTIFIER } from '../../src/shared/names.js';
import { SUPPORTED_REGIONS } from '../../src/shared/regions.js';
import { serverIdentity, type ServerIdentity } from '../support/certificate-hierarchy.js';

/**
 * What a client of ours trusts, checked against what it meets:
 * - the instance presents a certificate issued under the RDS CA the stack configures
 *   (`DATABASE_CA_IDENTIFIER`), whose root for region R is "Amazon RDS R Root CA RSA2048 G1"
 *   (RDS user guide, "Certificate authorities");
 * - RDS Proxy presents an ACM certificate, which chains to Amazon Trust Services' roots (Amazon
 *   Root CA 1-4, cross-signed by Starfield Services Root Certificate Authority - G2) (RDS user
 *   guide, "Using TLS/SSL with RDS Proxy").
 * The real authorities' keys are AWS's: their presence and genuineness are checked on the
 * certificates themselves, and the handshakes below use hierarchies of the same shape.
 */
const ROOT_NAMES: Readonly<Record<string, (region: string) => string>> = {
  'rds-ca-rsa2048-g1': (region) => `Amazon RDS ${region} Root CA RSA2048 G1`,
};
const PROXY_ROOTS = [
  'Amazon Root CA 1',
  'Amazon Root CA 2',
  'Amazon Root CA 3',
  'Amazon Root CA 4',
  'Starfield Services Root Certificate Authority - G2',
];

const trusted = allRdsCertificateAuthorities.map((pem) => new X509Certificate(pem));
const commonName = (certificate: X509Certificate): string | undefined =>
  certificate.subject
    .split('\n')
    .find((line) => line.startsWith('CN='))
    ?.slice(3);
const YEAR = 365 * 86_400_000;

/** A root the client trusts: exactly one, self-signed with its own key, a CA, valid a year on. */
function expectGenuineRoot(name: string): void {
  const matches = trusted.filter((certificate) => commonName(certificate) === name);
  expect(matches, name).toHaveLength(1);
  const [root] = matches as [X509Certificate];
  expect(root.ca).toBe(true);
  expect(root.checkIssued(root)).toBe(true);
  expect(root.verify(root.publicKey)).toBe(true);
  expect(new Date(root.validTo).getTime()).toBeGreaterThan(Date.now() + YEAR);
}

describe('the authorities of every kind of server the stack runs', () => {
  test('the instance’s CA has a root name for each region', () => {
    expect(ROOT_NAMES[DATABASE_CA_IDENTIFIER]).toBeDefined();
  });

  test.each(SUPPORTED_REGIONS)('%s: the root of the instance certificate is trusted', (region) => {
    expectGenuineRoot(ROOT_NAMES[DATABASE_CA_IDENTIFIER]!(region));
  });

  test.each(PROXY_ROOTS)('RDS Proxy (ACM): %s is trusted', (name) => {
    expectGenuineRoot(name);
  });
});

/** A TLS server presenting `identity`'s chain on 127.0.0.1. */
async function serve(identity: ServerIdentity): Promise<{ port: number; close(): Promise<void> }> {
  const server = tls.createServer({ cert: identity.chainPem, key: identity.keyPem }, (socket) => {
    socket.on('error', () => undefined);
    socket.end();
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Whether a client configured the one way the project configures clients (`buildClientConfig`)
 * completes the handshake with `identity`, connecting to 127.0.0.1 as `host` (as through a
 * tunnel, the name checked is the endpoint's).
 */
async function handshake(
  identity: ServerIdentity,
  host: string,
  extraCertificateAuthorities: readonly string[] = [],
): Promise<'accepted' | string> {
  const server = await serve(identity);
  try {
    const config = buildClientConfig(
      { host, port: server.port, database: 'spendsense', user: 'u', password: 'p' },
      { extraCertificateAuthorities, hostAddress: '127.0.0.1' },
    );
    const ssl = config.ssl as tls.ConnectionOptions;
    return await new Promise((resolve) => {
      const socket = tls.connect({ ...ssl, host: '127.0.0.1', port: server.port }, () => {
        socket.destroy();
        resolve('accepted');
      });
      socket.setTimeout(5000, () => {
        socket.destroy();
        resolve('timeout');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  } finally {
    await server.close();
  }
}

const ENDPOINT = 'spendsense-dev.c9akciq32xyz.us-east-1.rds.amazonaws.com';
const PROXY_ENDPOINT = 'spendsense-prod-proxy.proxy-c9akciq32xyz.us-east-1.rds.amazonaws.com';
const AMAZON = 'O=Amazon Web Services\\, Inc., L=Seattle, ST=Washington, C=US';

describe('handshakes with servers shaped like RDS and RDS Proxy', () => {
  test('an instance chain (regional root, subordinate, instance) is accepted for its endpoint only', async () => {
    const identity = await serverIdentity({
      rootName: `CN=Test RDS us-east-1 Root CA RSA2048 G1, OU=Amazon RDS, ${AMAZON}`,
      intermediateNames: [
        `CN=Test RDS us-east-1 Subordinate CA RSA2048 G1.A.1, OU=Amazon RDS, ${AMAZON}`,
      ],
      dnsNames: [ENDPOINT],
    });
    expect(await handshake(identity, ENDPOINT, [identity.rootPem])).toBe('accepted');
    expect(
      await handshake(identity, 'other.c9akciq32xyz.us-east-1.rds.amazonaws.com', [
        identity.rootPem,
      ]),
    ).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('a proxy chain (root, ACM intermediate, wildcard certificate) is accepted for the proxy endpoint', async () => {
    const identity = await serverIdentity({
      rootName: 'CN=Test Amazon Root CA 1, O=Amazon, C=US',
      intermediateNames: ['CN=Test Amazon RSA 2048 M01, O=Amazon, C=US'],
      dnsNames: ['*.proxy-c9akciq32xyz.us-east-1.rds.amazonaws.com'],
    });
    expect(await handshake(identity, PROXY_ENDPOINT, [identity.rootPem])).toBe('accepted');
  });

  test('the same chains are refused when their root is not one the client trusts', async () => {
    const identity = await serverIdentity({
      rootName: `CN=Test RDS us-east-1 Root CA RSA2048 G1, OU=Amazon RDS, ${AMAZON}`,
      intermediateNames: [
        `CN=Test RDS us-east-1 Subordinate CA RSA2048 G1.A.1, OU=Amazon RDS, ${AMAZON}`,
      ],
      dnsNames: [ENDPOINT],
    });
    expect(await handshake(identity, ENDPOINT)).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  test('an impostor root named exactly like the real RDS root is refused: trust is in the key', async () => {
    const identity = await serverIdentity({
      rootName: `CN=Amazon RDS us-east-1 Root CA RSA2048 G1, OU=Amazon RDS, ${AMAZON}`,
      dnsNames: [ENDPOINT],
    });
    const verdict = await handshake(identity, ENDPOINT);
    expect(verdict).not.toBe('accepted');
    expect(verdict).toMatch(/CERT|SIGNATURE|ISSUER/);
  });

  test('a certificate from an unrelated CA is refused, whatever name it carries', async () => {
    const identity = await serverIdentity({
      rootName: 'CN=Some Other CA, O=Elsewhere',
      dnsNames: [ENDPOINT],
    });
    // Its leaf comes without an intermediate: nothing the client trusts vouches for it.
    expect(await handshake(identity, ENDPOINT)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
