import { resourcesOfType, type CloudFormationTemplate } from '../../aws/cloudformation-template.js';
import { fail, pass, skip, type PreflightCheck } from '../check.js';
import type { CountedResource } from '../context.js';

/** One Service Quotas quota the stage consumes, and how to count what uses it. */
export interface QuotaSpec {
  /** The line's name: `quota: VPCs per Region`. */
  readonly name: string;
  readonly serviceCode: string;
  readonly quotaCode: string;
  /** What the stage creates against the quota, in a template. */
  readonly demand: (template: CloudFormationTemplate) => number;
  /** Regional usage, or `per-vpc` for a quota of each VPC (the stage's VPC is its own). */
  readonly usage: CountedResource | 'per-vpc';
  /** The plural of what is counted, for the evidence: `VPCs`. */
  readonly things: string;
}

/** Resources of `type` in a template, optionally only those `where` holds for. */
export const demandOf =
  (type: string, where: (properties: Record<string, unknown>) => boolean = () => true) =>
  (template: CloudFormationTemplate): number =>
    resourcesOfType(template, type).filter(([, resource]) => where(resource.Properties ?? {}))
      .length;

/**
 * A check that the quota has room for what the stage adds: its template's demand, less what the
 * deployed stack already uses, on top of the region's current usage.
 */
export function quotaCheck(spec: QuotaSpec): PreflightCheck {
  return {
    name: spec.name,
    async run(context) {
      const wanted = spec.demand(context.synthesized.template);
      if (wanted === 0) return skip(`the stage creates no ${spec.things}`);
      const deployed = spec.demand((await context.deployedTemplate()) ?? { Resources: {} });
      const quota = await context.quota(spec.serviceCode, spec.quotaCode);
      const limit = `quota ${quota.value} (${quota.source === 'applied' ? 'applied to the account' : 'AWS default'})`;
      const fix = `Ask for more in Service Quotas (${spec.serviceCode} ${spec.quotaCode}, "${quota.name}") before deploying, or remove unused ${spec.things} in ${context.region}.`;
      if (spec.usage === 'per-vpc') {
        return wanted <= quota.value
          ? pass(`${wanted} in the stage's VPC, ${limit} per VPC`)
          : fail(`${wanted} in the stage's VPC, over the ${limit} per VPC`, fix);
      }
      const used = await context.count(spec.usage);
      const more = Math.max(0, wanted - deployed);
      const evidence = `${used} ${spec.things} in ${context.region}, the stage adds ${more}; ${limit}`;
      return used + more <= quota.value ? pass(evidence) : fail(evidence, fix);
    },
  };
}
