import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on `scope` with the reason a reviewer needs. `rule` is the
 * rule as cdk-nag names it (`AwsSolutions-IAM4[Policy::...]`, `NIST.800.53.R5-LambdaDLQ`) or
 * already pack-qualified (`CloudFormation-Validate::W9011`). It is recorded pack-qualified
 * (`<pack>::<rule>`), the form the CDK validation report keeps with the reason, so cdk.out
 * holds the audit trail.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  // `AwsSolutions-IAM4[Policy::arn:...]`: only a `::` before the finding names the pack.
  const qualified = (rule.split('[')[0] ?? '').includes('::');
  const id = qualified ? rule : `${rule.slice(0, rule.indexOf('-'))}::${rule}`;
  Validations.of(scope).acknowledge({ id, reason });
}
