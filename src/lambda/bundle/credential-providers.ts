/**
 * Stands in for `@aws-sdk/credential-providers` in SpendSense function bundles (an esbuild alias
 * set by `functionBundling`). In Lambda the function's role credentials are in the environment,
 * the first place the default chain looks; the rest of the chain (SSO, STS web identity, IMDS,
 * profiles...) brings 100 KB of SDK clients into the bundle that a function never uses.
 * `@aws-sdk/rds-signer` and the runtime's IAM credentials call this.
 */
interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export function fromNodeProviderChain(): () => Promise<EnvironmentCredentials> {
  return async () => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (
      accessKeyId === undefined ||
      accessKeyId === '' ||
      secretAccessKey === undefined ||
      secretAccessKey === ''
    ) {
      const error = new Error(
        'No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), where Lambda puts the function role’s.',
      );
      error.name = 'CredentialsProviderError';
      throw error;
    }
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken !== undefined && sessionToken !== '' && { sessionToken }),
    };
  };
}
