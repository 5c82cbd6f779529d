import { pass, type PreflightCheck } from '../check.js';

/** The credentials work, and which account and principal they are (STS GetCallerIdentity). */
export const credentialsCheck: PreflightCheck = {
  name: 'credentials',
  async run(context) {
    const { account, arn } = await context.identity();
    return pass(`account ${account} as ${arn}, region ${context.region}`);
  },
};
