import { scrub } from '../../../runtime/redact.js';
import { APP_USERNAME, ENGINE_MAJOR_VERSION } from '../../../shared/names.js';
import { fail, judge, type Check } from '../finding.js';

/**
 * AC3, end to end: the probe Lambda, placed and configured like SpendSense Lambdas, logs in
 * with IAM authentication. It must report that it is `spendsense_app`, neither a superuser nor
 * able to create roles, over TLS, to PostgreSQL 15.
 */
export const probeCheck: Check = {
  criterion: 'AC3',
  name: 'probe Lambda',
  async run(context) {
    const functionName = context.output('ProbeFunctionName');
    const outcome = await context.probe(functionName);
    if (outcome.kind === 'function-error') {
      return fail(`${functionName} failed with ${outcome.errorType}`);
    }
    if (outcome.kind === 'unreadable') return fail(`${functionName}: ${outcome.reason}`);

    const { report } = outcome;
    if (!report.ok) {
      const { errorClass, category, code } = report.failure;
      const detail = [category, code].filter((part) => part !== undefined).join(' ');
      return fail(
        `${functionName}: probe reports failure ${safe(errorClass)}${detail === '' ? '' : ` (${safe(detail)})`}: ${safe(report.failure.message)}`,
      );
    }
    const problems: string[] = [];
    if (!report.encrypted) problems.push('probe connection is not encrypted');
    if (report.serverMajor !== ENGINE_MAJOR_VERSION) {
      problems.push(`server major ${report.serverMajor}, expected ${ENGINE_MAJOR_VERSION}`);
    }
    if (report.user !== APP_USERNAME) {
      problems.push(`logged in as ${safe(report.user)}, expected ${APP_USERNAME}`);
    }
    if (report.superuser === undefined || report.canCreateRoles === undefined) {
      problems.push(
        'the probe does not report its privileges (deployed before the roles existed): redeploy the stack',
      );
    } else {
      if (report.superuser) problems.push(`${safe(report.user)} is a superuser`);
      if (report.canCreateRoles) problems.push(`${safe(report.user)} can create roles`);
    }
    return judge(
      problems.map((problem) => `${functionName}: ${problem}`),
      `${functionName}: PostgreSQL ${safe(report.serverVersion)} over ${safe(report.tlsVersion ?? 'TLS')} as ` +
        `${safe(report.user)}@${safe(report.database)} (not superuser, cannot create roles), ` +
        `connect ${millis(report.connectMillis)}, query ${millis(report.queryMillis)}`,
    );
  },
};

/** The report comes from outside: one short line, any connection string masked. */
function safe(text: string): string {
  const line = scrub(text.split('\n')[0] ?? '', []);
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

function millis(value: number): string {
  return `${Math.round(value)} ms`;
}
