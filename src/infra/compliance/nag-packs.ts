import {
  Validations,
  type App,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks, type NagPack } from 'cdk-nag';
import { DatabaseNeverPublic } from './never-public.js';

/**
 * Runs the AwsSolutions, NIST 800-53 rev 5 and PCI DSS 3.2.1 packs on every synth, tests
 * included, and our own rule that no database is publicly accessible. Any unacknowledged finding
 * fails the synth; acknowledgements sit next to the construct they concern (see
 * `database/acknowledgements.ts`).
 */
export function addCompliancePacks(app: App): void {
  Validations.of(app).addPlugins(
    ...[
      new AwsSolutionsChecks(app, { verbose: true }),
      new NIST80053R5Checks(app, { verbose: true }),
      new PCIDSS321Checks(app, { verbose: true }),
    ].map((pack) => new FindingsAreErrors(pack)),
    new DatabaseNeverPublic(),
  );
}

/**
 * Reports every finding of a pack as an error. A few cdk-nag rules are warnings, and the CDK
 * CLI only fails `cdk synth` on errors (unless run with `--strict`): a finding must never pass
 * silently because of its level.
 */
export class FindingsAreErrors implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version?: string;
  readonly ruleIds?: string[];

  constructor(private readonly pack: NagPack) {
    // Same name as the pack: acknowledgements are keyed `<pack name>::<rule>`.
    this.name = pack.name;
    this.version = pack.version;
    this.ruleIds = pack.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.pack.validate(context);
    return {
      ...report,
      success: report.violations.length === 0,
      violations: report.violations.map((violation) => ({ ...violation, severity: 'error' })),
    };
  }
}
