/**
 * A bootstrap failure. CloudFormation shows its message as the reason the deployment failed, so
 * it says what failed and how to fix it, and never holds a password: secrets are named by ARN,
 * SQL failures by their SQLSTATE and class.
 */
export class BootstrapError extends Error {
  override readonly name: string = 'BootstrapError';
  constructor(
    message: string,
    /** SQLSTATE, or the Node.js or AWS error code, when there is one. */
    readonly code?: string,
  ) {
    super(message);
  }
}
