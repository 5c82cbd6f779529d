import { readFileSync } from 'node:fs';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';

export const NEVER_PUBLIC_RULE = 'SpendSense-DatabaseNeverPublic';

/** The types whose `PubliclyAccessible` would put a database on the internet. */
const DATABASE_TYPES = new Set(['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster']);

/**
 * Fails the synth when any database in the app is publicly accessible, however it got there (a
 * prop, an escape hatch, a property override): it reads the synthesized templates, as the
 * compliance packs do. Public access was retired: switching it on moves the instance to other
 * subnets, which RDS refuses for an instance in use, and laptops have `spendsense-db tunnel`.
 */
export class DatabaseNeverPublic implements IPolicyValidationPlugin {
  readonly name = 'SpendSense';
  readonly ruleIds = [NEVER_PUBLIC_RULE];

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violatingResources: PolicyViolation['violatingResources'] = [];
    for (const templatePath of context.templatePaths) {
      const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
        Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
      };
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        const flag = resource.Properties?.PubliclyAccessible;
        if (DATABASE_TYPES.has(resource.Type ?? '') && (flag === true || flag === 'true')) {
          violatingResources.push({
            resourceLogicalId: logicalId,
            templatePath,
            locations: ['Properties/PubliclyAccessible'],
          });
        }
      }
    }
    const violations: PolicyViolation[] =
      violatingResources.length === 0
        ? []
        : [
            {
              ruleName: NEVER_PUBLIC_RULE,
              description:
                'The SpendSense database is never publicly accessible: public access was retired (it moves the instance to other subnets, which RDS refuses for an instance in use).',
              fix: 'Remove PubliclyAccessible. Reach the database from a laptop with `spendsense-db tunnel --stage <stage>` (SSM port forwarding through the access host, accessHost.enabled; docs/operations.md).',
              violatingResources,
              severity: 'error',
            },
          ];
    return { success: violations.length === 0, violations };
  }
}
