import { runCheck } from '../check/run-check.js';
import { ExitCode } from '../exit-codes.js';
import type { LocalCheck } from './context.js';

/** Per `check` stage: a private endpoint from a laptop fails the TCP connect, so keep it short. */
export const LOCAL_CHECK_TIMEOUT_MILLIS = 10_000;

/** Failures that mean "no network path from this machine", not "the database is wrong". */
const UNREACHABLE: ReadonlySet<number> = new Set([
  ExitCode.DnsFailure,
  ExitCode.ConnectionRefused,
  ExitCode.NoAnswer,
]);

/**
 * AC6 through `spendsense-db check`: reads the connection secret and runs every check stage
 * (DNS, TCP, TLS with RDS CA verification, authentication, readiness) from this machine.
 */
export const checkFromThisMachine: LocalCheck = async (target) => {
  const { report, error } = await runCheck({
    secretId: target.secretArn,
    region: target.region,
    ...(target.profile !== undefined && { profile: target.profile }),
    caFiles: [],
    insecure: false,
    timeoutMillis: LOCAL_CHECK_TIMEOUT_MILLIS,
  });
  if (error === undefined) {
    const { serverVersion, tlsVersion } = report.server;
    return {
      result: 'pass',
      detail: `check passed from this machine: PostgreSQL ${serverVersion ?? '?'} over ${tlsVersion ?? 'TLS'}, certificate verified`,
    };
  }
  // runCheck's messages are already cleaned of secrets.
  if (UNREACHABLE.has(error.exitCode)) {
    return {
      result: 'unreachable',
      detail: `${error.message} The database answers only inside its VPC: connect through \`spendsense-db tunnel --stage <stage>\` (docs/operations.md).`,
    };
  }
  return { result: 'fail', detail: error.message };
};
