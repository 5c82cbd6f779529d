// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto;
const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const VALIDITY_DAYS = 3650;
const DAY_MILLIS = 86_400_000;

/** Host names and addresses the server certificate is valid for. */
export const SERVER_NAMES = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] } as const;

/** PEM text of a certificate authority and a server certificate it signed. */
export interface LocalCertificates {
  readonly caCertificatePem: string;
  readonly serverCertificatePem: string;
  readonly serverKeyPem: string;
}

export interface CertificateOptions {
  /** Names the certificates, so certificates of different local CAs are told apart. @default 'SpendSense local' */
  readonly commonNamePrefix?: string;
  /** Host names in the server certificate. @default ['localhost'] */
  readonly dnsNames?: readonly string[];
  /** IP addresses in the server certificate. @default ['127.0.0.1', '::1'] */
  readonly ipAddresses?: readonly string[];
}

/**
 * Creates a fresh CA and a server certificate for the local database, in pure JS (WebCrypto,
 * ECDSA P-256). The CA's private key is never written anywhere: once the server certificate
 * is signed it is dropped, so nothing on disk can mint more certificates the local CA vouches
 * for.
 */
export async function generateLocalCertificates(
  options: CertificateOptions = {},
): Promise<LocalCertificates> {
  const prefix = options.commonNamePrefix ?? 'SpendSense local';
  const notBefore = new Date(Date.now() - DAY_MILLIS);
  const notAfter = new Date(Date.now() + VALIDITY_DAYS * DAY_MILLIS);
  const caKeys = await generateKeyPair();
  const caCertificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${prefix} CA`,
      keys: caKeys,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const serverKeys = await generateKeyPair();
  const serverCertificate = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${prefix} server`,
      issuer: caCertificate.subject,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...(options.dnsNames ?? SERVER_NAMES.dns).map((value) => ({
            type: 'dns' as const,
            value,
          })),
          ...(options.ipAddresses ?? SERVER_NAMES.ip).map((value) => ({
            type: 'ip' as const,
            value,
          })),
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const serverKey = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caCertificatePem: caCertificate.toString('pem') + '\n',
    serverCertificatePem: serverCertificate.toString('pem') + '\n',
    serverKeyPem: x509.PemConverter.encode(serverKey, 'PRIVATE KEY') + '\n',
  };
}

async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}
