import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { NagPack } from 'cdk-nag';
import { describe, expect, test } from 'vitest';
import { createDatabaseApp } from '../../src/infra/app.js';
import { FindingsAreErrors } from '../../src/infra/compliance/nag-packs.js';
import { synthesize } from './support/synth.js';

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations?: { ruleName: string; reason: string; acknowledgedAt: string }[];
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
  'dev with client CIDRs': complianceRun('dev', { 'spendsense:dev:clientCidrs': '203.0.113.7/32' }),
};
const documented = documentedAcknowledgements();

test('AwsSolutions, NIST 800-53 R5, PCI DSS 3.2.1 and CloudFormation validation all ran', () => {
  // A pack appears in the report once it has something to say, acknowledged or not.
  const reported = Object.values(runs).flatMap((report) =>
    report.pluginReports.map((plugin) => plugin.pluginName),
  );
  expect(new Set(reported)).toEqual(
    new Set(['AwsSolutions', 'NIST.800.53.R5', 'PCI.DSS.321', 'CloudFormation Validate']),
  );
});

describe.each(Object.entries(runs))('compliance of %s', (_variant, report) => {
  test('leaves no finding unacknowledged', () => {
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

describe('an unacknowledged finding', () => {
  test('fails the synth with the rule and the construct', () => {
    const { app, stacks } = createDatabaseApp({
      appProps: {
        context: { 'aws:cdk:bundling-stacks': [] },
        builtinCloudFormationValidation: false,
      },
      env: {},
      stages: ['dev'],
    });
    // Unencrypted, kept forever: three packs object.
    new logs.LogGroup(stacks.dev!, 'CarelessLogGroup', { retention: logs.RetentionDays.INFINITE });
    const failure = (() => {
      try {
        app.synth();
      } catch (error) {
        return String(error);
      }
      throw new Error('expected the synth to fail');
    })();
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
