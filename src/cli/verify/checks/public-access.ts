import { judge, type Check } from '../finding.js';

/**
 * AC7: the instance is not publicly accessible, in any stage, neither live nor in the deployed
 * template (public access was retired: laptops reach the database through
 * `spendsense-db tunnel`).
 */
export const publicAccessCheck: Check = {
  criterion: 'AC7',
  name: 'public accessibility',
  async run(context) {
    const instance = await context.instance();
    const declared = await context.declaredInstance();
    const problems: string[] = [];
    if (instance.PubliclyAccessible === true) problems.push('the instance is publicly accessible');
    if (declared.publiclyAccessible === true) {
      problems.push('the deployed template makes it publicly accessible');
    }
    return judge(
      problems,
      'not publicly accessible (laptops connect through spendsense-db tunnel)',
      'Redeploy from this repository (it refuses public access), or turn it off with `aws rds modify-db-instance --no-publicly-accessible`; connect with `spendsense-db tunnel`.',
    );
  },
};
