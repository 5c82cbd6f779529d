import { redactConnectionStrings } from '../../../runtime/redact.js';
import { ENGINE_MAJOR_VERSION } from '../../../shared/names.js';
import { fail, judge, type Check } from '../finding.js';

/**
 * AC3, end to end: the probe Lambda, placed where SpendSense Lambdas run, reads the connection
 * secret through the VPC endpoint and connects. It must report TLS and PostgreSQL 15.
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
    return judge(
      problems.map((problem) => `${functionName}: ${problem}`),
      `${functionName}: PostgreSQL ${safe(report.serverVersion)} over TLS as ` +
        `${safe(report.user)}@${safe(report.database)}, connect ${millis(report.connectMillis)}, ` +
        `query ${millis(report.queryMillis)}`,
    );
  },
};

/** The report comes from outside: one short line, any connection string masked. */
function safe(text: string): string {
  const line = redactConnectionStrings(text.split('\n')[0] ?? '');
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

function millis(value: number): string {
  return `${Math.round(value)} ms`;
}
