// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto;
const KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY = 86_400_000;

interface Issued {
  readonly certificate: x509.X509Certificate;
  readonly keys: webcrypto.CryptoKeyPair;
}

/** A server certificate with the chain a server sends, and the root a client must trust. */
export interface ServerIdentity {
  readonly rootPem: string;
  /** The leaf, then each intermediate: what the server presents. */
  readonly chainPem: string;
  readonly keyPem: string;
}

export interface HierarchyOptions {
  /** Distinguished name of the root, e.g. `CN=Amazon RDS us-east-1 Root CA RSA2048 G1, O=...`. */
  readonly rootName: string;
  /** Intermediates between root and leaf, in order. @default none */
  readonly intermediateNames?: readonly string[];
  /** Host names the leaf is issued for (wildcards allowed). */
  readonly dnsNames: readonly string[];
}

/**
 * A certificate hierarchy shaped like one a client of ours meets (RDS: a regional root, a
 * subordinate, the instance's certificate; RDS Proxy: an Amazon Trust Services root, an ACM
 * intermediate, a wildcard certificate), with keys made here: the real authorities' keys are
 * AWS's, so a test can only mirror their shape.
 */
export async function serverIdentity(options: HierarchyOptions): Promise<ServerIdentity> {
  const root = await issue(options.rootName, undefined, true);
  let issuer = root;
  const intermediates: Issued[] = [];
  for (const name of options.intermediateNames ?? []) {
    issuer = await issue(name, issuer, true);
    intermediates.push(issuer);
  }
  const leaf = await issue(
    `CN=${options.dnsNames[0] ?? 'server'}`,
    issuer,
    false,
    options.dnsNames,
  );
  const key = await crypto.subtle.exportKey('pkcs8', leaf.keys.privateKey);
  return {
    rootPem: `${root.certificate.toString('pem')}\n`,
    chainPem: [leaf, ...intermediates.reverse()]
      .map((issued) => `${issued.certificate.toString('pem')}\n`)
      .join(''),
    keyPem: `${x509.PemConverter.encode(key, 'PRIVATE KEY')}\n`,
  };
}

async function issue(
  name: string,
  issuer: Issued | undefined,
  isCa: boolean,
  dnsNames: readonly string[] = [],
): Promise<Issued> {
  const keys = await crypto.subtle.generateKey(KEY, true, ['sign', 'verify']);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(isCa, undefined, true),
    new x509.KeyUsagesExtension(
      isCa
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
        : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
  ];
  if (issuer !== undefined) {
    extensions.push(
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey, false, crypto),
    );
  }
  if (!isCa) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns', value }))),
    );
  }
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + 365 * DAY);
  const certificate =
    issuer === undefined
      ? await x509.X509CertificateGenerator.createSelfSigned(
          { name, keys, notBefore, notAfter, signingAlgorithm: SIGNING, extensions },
          crypto,
        )
      : await x509.X509CertificateGenerator.create(
          {
            subject: name,
            issuer: issuer.certificate.subject,
            publicKey: keys.publicKey,
            signingKey: issuer.keys.privateKey,
            notBefore,
            notAfter,
            signingAlgorithm: SIGNING,
            extensions,
          },
          crypto,
        );
  return { certificate, keys };
}
