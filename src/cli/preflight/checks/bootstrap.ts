import { fail, judge, type PreflightCheck } from '../check.js';
import { BOOTSTRAP_STACK } from '../context.js';

/** Toolkit stack statuses in which `cdk deploy` can use the bootstrap resources. */
const USABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
]);

/**
 * The region is bootstrapped for the CDK at the version the app needs: the version parameter
 * the template reads exists and is recent enough (its rule would refuse the deploy otherwise),
 * and the toolkit stack is in a usable state.
 */
export const bootstrapCheck: PreflightCheck = {
  name: 'CDK bootstrap',
  async run(context) {
    const { artifact } = context.synthesized;
    const parameter =
      artifact.bootstrapStackVersionSsmParameter ?? '/cdk-bootstrap/hnb659fds/version';
    const required = artifact.requiresBootstrapStackVersion ?? 6;
    const { account } = await context.identity();
    const fix = `Run \`npx cdk bootstrap aws://${account}/${context.region}\` (with the same credentials and a current CDK CLI).`;
    const version = await context.ssmParameter(parameter);
    if (version === undefined) {
      return fail(
        `${context.region} is not bootstrapped: SSM parameter ${parameter} does not exist`,
        fix,
      );
    }
    const toolkit = await context.bootstrapStack();
    const problems: string[] = [];
    if (!(Number(version) >= required)) {
      problems.push(`bootstrap version ${version}, the app needs ${required} or later`);
    }
    const status = toolkit?.StackStatus;
    if (status !== undefined && !USABLE.has(status))
      problems.push(`stack ${BOOTSTRAP_STACK} is ${status}`);
    const stackNote =
      toolkit === undefined
        ? `stack ${BOOTSTRAP_STACK} not found (a custom toolkit stack name?)`
        : `stack ${BOOTSTRAP_STACK} ${status ?? ''}`;
    return judge(
      problems,
      `bootstrap version ${version} (the app needs ${required}), ${stackNote}`,
      fix,
    );
  },
};
