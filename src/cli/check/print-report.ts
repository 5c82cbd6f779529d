import { formatTable } from '../ui/table.js';
import type { CheckReport } from './report.js';

/** The report as the table `check` prints at the end. */
export function formatReport(report: CheckReport): string {
  const rows = report.stages.map((stage) => [
    stage.stage,
    stage.status === 'ok' ? 'ok' : stage.status === 'failed' ? 'FAILED' : '-',
    stage.durationMillis === null ? '' : `${stage.durationMillis} ms`,
    stage.detail,
  ]);
  const verdict = report.ok
    ? 'Connection OK: every stage passed.'
    : `Connection check FAILED (exit ${report.failure?.exitCode ?? '?'}).`;
  return `${formatTable(['stage', 'result', 'time', 'detail'], rows)}\n\n${verdict}\n`;
}

export const INSECURE_WARNING = [
  '',
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  '!! WARNING: --insecure: the server certificate is NOT verified.        !!',
  '!! TLS still encrypts, but anyone in the path can impersonate the      !!',
  '!! server and read the password. Never use this against a real stage. !!',
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  '',
].join('\n');
