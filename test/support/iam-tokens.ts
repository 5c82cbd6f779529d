import { Signer } from '@aws-sdk/rds-signer';

/** Credentials that look like a role's: they sign, and no AWS endpoint ever sees them. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'ASIAQEXAMPLE7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN0123456789',
} as const;

/**
 * The IAM authentication token `@aws-sdk/rds-signer` signs right now for this endpoint and user.
 * With the clock pinned (`vi.useFakeTimers({ toFake: ['Date'] })`), it is the token the code
 * under test signs too: the local PostgreSQL cannot check IAM tokens, so a test sets it as the
 * role's password and lets SCRAM stand in for RDS's check.
 */
export function expectedToken(target: {
  host: string;
  port: number;
  user: string;
  region?: string;
}): Promise<string> {
  return new Signer({
    hostname: target.host,
    port: target.port,
    username: target.user,
    region: target.region ?? 'us-east-1',
    credentials: TEST_CREDENTIALS,
  }).getAuthToken();
}
