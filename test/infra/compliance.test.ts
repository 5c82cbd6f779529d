import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { NagPack } from 'cdk-nag';
import { describe, expect, test } from 'vitest';
import { FindingsAreErrors } from '../../src/infra/compliance/nag-packs.js';
import { synthFailure, synthesize, unbundledDevApp } from './support/synth.js';

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations?: {
      ruleName: string;
      reason: string;
      acknowledgedAt: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

/** Synthesizes like `cdk synth` (cdk-nag and CloudFormation validation) and reads the report. */
function complianceRun(
  stage: 'dev' | 'prod',
  context: Record<string, unknown> = {},
): ValidationReport {
  const synthesized = synthesize(stage, { context, cloudFormationValidation: true });
  try {
    return JSON.parse(readFileSync(join(synthesized.outdir, 'validation-report.json'), 'utf8'));
  } finally {
    synthesized.dispose();
  }
}

const runs = {
  dev: complianceRun('dev'),
  prod: complianceRun('prod'),
  'dev without the access host, rotation off': complianceRun('dev', {
    'spendsense:dev:accessHost.enabled': 'false',
    'spendsense:dev:rotation.enabled': 'false',
  }),
};
const documented = documentedAcknowledgements();

test('AwsSolutions, NIST 800-53 R5 and PCI DSS 3.2.1 all ran and have something to say', () => {
  // A pack appears in the report once it has something to say, acknowledged or not.
  const reported = Object.values(runs).flatMap((report) =>
    report.pluginReports.map((plugin) => plugin.pluginName),
  );
  expect(new Set(reported)).toEqual(new Set(['AwsSolutions', 'NIST.800.53.R5', 'PCI.DSS.321']));
});

describe.each(Object.entries(runs))('compliance of %s', (_variant, report) => {
  test('leaves no finding unacknowledged', () => {
    // A report with no pack in it would pass this loop without looking at anything.
    expect(report.pluginReports.length).toBeGreaterThan(0);
    for (const plugin of report.pluginReports) {
      expect({ plugin: plugin.pluginName, violations: plugin.violations }).toEqual({
        plugin: plugin.pluginName,
        violations: [],
      });
    }
  });

  test('gives every acknowledgement a reason and lists it in docs/database.md', () => {
    const acknowledged = report.pluginReports.flatMap(
      (plugin) => plugin.suppressedViolations ?? [],
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { ruleName, reason } of acknowledged) {
      expect(reason.length, ruleName).toBeGreaterThan(40);
      expect(documented, `${ruleName} is acknowledged but not documented`).toContain(ruleName);
    }
  });
});

describe('the secret rotation rules', () => {
  const SECRET_ROTATION_RULES = [
    'AwsSolutions-SMG4',
    'NIST.800.53.R5-SecretsManagerRotationEnabled',
  ];
  /** The secrets (construct ids) each rotation rule is acknowledged on. */
  const acknowledgedOn = (report: ValidationReport): Record<string, string[]> =>
    Object.fromEntries(
      SECRET_ROTATION_RULES.map((rule) => [
        rule,
        report.pluginReports
          .flatMap((plugin) => plugin.suppressedViolations ?? [])
          .filter((violation) => violation.ruleName === rule)
          .flatMap((violation) => violation.violatingConstructs)
          .map(({ constructPath }) => constructPath.split('/').at(-2) ?? '')
          .sort(),
      ]),
    );

  test.each(['dev', 'prod'] as const)(
    '%s rotates the credentials: only the connection secret, rewritten by that rotation, is acknowledged',
    (stage) => {
      expect(acknowledgedOn(runs[stage])).toEqual({
        'AwsSolutions-SMG4': ['ConnectionSecret'],
        'NIST.800.53.R5-SecretsManagerRotationEnabled': ['ConnectionSecret'],
      });
    },
  );

  test('dev with rotation off acknowledges both secrets', () => {
    expect(acknowledgedOn(runs['dev without the access host, rotation off'])).toEqual({
      'AwsSolutions-SMG4': ['ConnectionSecret', 'CredentialsSecret'],
      'NIST.800.53.R5-SecretsManagerRotationEnabled': ['ConnectionSecret', 'CredentialsSecret'],
    });
  });
});

describe('the routes of the public subnets', () => {
  const routeReasons = (report: ValidationReport): string[] => [
    ...new Set(
      report.pluginReports
        .flatMap((plugin) => plugin.suppressedViolations ?? [])
        .filter((violation) => violation.ruleName.endsWith('-VPCNoUnrestrictedRouteToIGW'))
        .map((violation) => violation.reason),
    ),
  ];

  test('dev (access host on by default): acknowledged for the access host only', () => {
    const reasons = routeReasons(runs.dev);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/access host/);
  });

  test.each(['prod', 'dev without the access host, rotation off'] as const)(
    '%s: none (no public subnet)',
    (variant) => {
      expect(routeReasons(runs[variant])).toEqual([]);
    },
  );
});

describe('an unacknowledged finding', () => {
  test('fails the synth with the rule and the construct', () => {
    const { app, stacks } = unbundledDevApp();
    // Unencrypted, kept forever: three packs object.
    new logs.LogGroup(stacks.dev!, 'CarelessLogGroup', { retention: logs.RetentionDays.INFINITE });
    const failure = synthFailure(app);
    expect(failure).toMatch(/NIST\.800\.53\.R5-CloudWatchLogGroupEncrypted[\s\S]*CarelessLogGroup/);
    expect(failure).toMatch(/PCI\.DSS\.321-CloudWatchLogGroupEncrypted/);
  });

  test('is an error even when its pack rates it a warning', () => {
    const warning = {
      ruleName: 'AwsSolutions-X1',
      description: 'd',
      severity: 'warning',
      violatingResources: [],
    };
    const pack = {
      name: 'AwsSolutions',
      validate: (): PolicyValidationPluginReport => ({ success: true, violations: [warning] }),
    } as unknown as NagPack;
    const report = new FindingsAreErrors(pack).validate({} as IPolicyValidationContext);
    expect(report).toMatchObject({
      success: false,
      violations: [{ ruleName: 'AwsSolutions-X1', severity: 'error' }],
    });
  });
});

/** The rule column of the "Compliance acknowledgements" table in docs/database.md. */
function documentedAcknowledgements(): string[] {
  const docs = readFileSync(new URL('../../docs/database.md', import.meta.url), 'utf8');
  const section = docs
    .split(/^## /m)
    .find((part) => part.startsWith('Compliance acknowledgements'));
  if (section === undefined)
    throw new Error('docs/database.md has no "Compliance acknowledgements" section');
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => /^\| `([^`]+)`/.exec(line)?.[1] ?? '');
}
