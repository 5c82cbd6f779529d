import { Annotations, Token, type IAspect } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

/** The id of the error the check reports, as it appears in the synth output. */
export const LOG_RETENTION_ERROR_ID = 'SpendSense::LogGroupWithoutRetention';

/**
 * Fails the synth on any log group of the stack that would keep its events forever (no
 * `RetentionInDays`). Apply it to the stack: `Aspects.of(stack).add(new LogRetentionCheck())`.
 *
 * It sees the log groups the template declares. A group a service creates on its own, such as
 * the default group of a Lambda function given no `logGroup`, is not in the template at all:
 * declare those groups explicitly so this check covers them.
 */
export class LogRetentionCheck implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof logs.CfnLogGroup) || node.retentionInDays !== undefined) return;
    const declared = node.logGroupName;
    const name = declared === undefined || Token.isUnresolved(declared) ? node.node.path : declared;
    Annotations.of(node).addError(
      `[${LOG_RETENTION_ERROR_ID}] Log group ${name} has no retention and would keep its events forever. Set \`retention\` on the log group (the stage's logRetentionDays).`,
    );
  }
}
