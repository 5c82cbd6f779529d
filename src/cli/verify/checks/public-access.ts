import { STAGE_POLICIES } from '../expectations.js';
import { judge, type Check } from '../finding.js';

/**
 * AC7: public accessibility as configured. Only dev may be public, and only when developer
 * client CIDRs are opted in; prod never is.
 */
export const publicAccessCheck: Check = {
  criterion: 'AC7',
  name: 'public accessibility',
  async run(context) {
    const instance = await context.instance();
    const declared = await context.declaredInstance();
    const problems: string[] = [];
    let expected = declared.publiclyAccessible ?? false;
    if (expected && !STAGE_POLICIES[context.stage].allowsPublicAccess) {
      problems.push(
        `${context.stage} must never be publicly accessible, but its deployed configuration is`,
      );
      expected = false;
    }
    const live = instance.PubliclyAccessible ?? false;
    if (live !== expected) problems.push(`${describe(live)}, expected ${describe(expected)}`);
    return judge(
      problems,
      live
        ? 'publicly accessible as configured (dev client CIDRs opted in; TLS still forced)'
        : 'not publicly accessible, as configured',
    );
  },
};

function describe(publiclyAccessible: boolean): string {
  return publiclyAccessible ? 'publicly accessible' : 'not publicly accessible';
}
