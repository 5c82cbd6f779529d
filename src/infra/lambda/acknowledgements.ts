import type { IConstruct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge.js';

/**
 * Acknowledges cdk-nag's function-level concurrency rule for a function that reserves nothing,
 * which is every SpendSense function by default: Lambda refuses a reservation that leaves less
 * than its minimum unreserved concurrency (100, or the whole quota of a new account, which
 * starts at 10), so a reservation would fail the first deploy in a new account. `why` says why
 * the function needs no capacity of its own.
 */
export function acknowledgeUnreservedConcurrency(fn: IConstruct, why: string): void {
  acknowledge(
    fn,
    'NIST.800.53.R5-LambdaConcurrency',
    `No reserved concurrency by default: Lambda refuses any reservation that leaves less than its minimum unreserved concurrency (100, or all of a new account's quota of 10), which would fail a first deploy. ${why}. A stage may still reserve capacity (stage configuration reservedConcurrency), after spendsense-db preflight has checked the account's quota.`,
  );
}
