import { afterAll, expect, test } from 'vitest';
import { synthesize } from './support/synth.js';

const stages = { dev: synthesize('dev'), prod: synthesize('prod') };
afterAll(() => {
  stages.dev.dispose();
  stages.prod.dispose();
});

/**
 * The log groups of deployed stacks, with the logical ids they were deployed under. A log group
 * has a fixed name: under a new logical id CloudFormation would create it before deleting the
 * old one and fail on the name ("already exists"), and in prod the old one is retained anyway.
 * Refactors (the function helper, say) must keep these ids.
 */
const DEPLOYED_LOG_GROUPS = {
  DatabaseNetworkFlowLogGroup2BBCA503: 'vpc-flow-logs',
  DatabasePostgresqlLogGroupE02FE0AC: 'postgresql',
  DatabaseUpgradeLogGroupC937990D: 'upgrade',
  DatabaseProbeLogGroupA2576AD3: 'probe',
  DatabaseRotationLogGroup1B377CF4: 'rotation',
};

test.each(['dev', 'prod'] as const)(
  '%s: every log group deployed before keeps its logical id (and name)',
  (stage) => {
    const groups = stages[stage].template.findResources('AWS::Logs::LogGroup');
    const entries = Object.entries(DEPLOYED_LOG_GROUPS);
    expect(entries).toHaveLength(5);
    for (const [logicalId, suffix] of entries) {
      const name = (groups[logicalId]?.Properties as { LogGroupName?: unknown } | undefined)
        ?.LogGroupName;
      // The RDS groups are named after the instance, the others after the stack's prefix; both
      // end with what they hold (names unique to each creation: creation-names.ts).
      expect(JSON.stringify(name), logicalId).toMatch(new RegExp(`/${suffix}"\\]\\]\\}$`));
    }
  },
);
