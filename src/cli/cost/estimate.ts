import type { CloudFormationTemplate } from '../aws/cloudformation-template.js';
import type { PriceTable } from './price-table.js';
import { priceResource } from './pricers/index.js';

export interface CostLine {
  readonly logicalId: string;
  readonly type: string;
  readonly what: string;
  readonly monthlyUsd: number;
}

export interface ListedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

/** The monthly estimate of one template: what `cost --json` prints. */
export interface CostEstimate {
  readonly stackName: string;
  readonly template: string;
  readonly estimate: true;
  readonly priceTable: {
    readonly region: string;
    readonly currency: string;
    readonly date: string;
    readonly basis: string;
    readonly sources: PriceTable['sources'];
  };
  readonly lines: readonly CostLine[];
  /** Unrounded sum of the lines; round only to display. */
  readonly totalMonthlyUsd: number;
  readonly free: readonly ListedResource[];
  /** Resources, or parts of them, the table cannot price: the total leaves them out. */
  readonly unpriced: readonly ListedResource[];
  readonly assumptions: readonly string[];
}

/** Prices every resource of `template`; each lands in exactly one of lines, free or unpriced. */
export function estimateCost(
  template: CloudFormationTemplate,
  prices: PriceTable,
  source: { readonly stackName: string; readonly template: string },
): CostEstimate {
  const lines: CostLine[] = [];
  const freeResources: ListedResource[] = [];
  const unpricedResources: ListedResource[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const pricing = priceResource(logicalId, resource, { template, prices });
    const { Type: type } = resource;
    if (pricing.kind === 'free') freeResources.push({ logicalId, type, reason: pricing.reason });
    else if (pricing.kind === 'unpriced')
      unpricedResources.push({ logicalId, type, reason: pricing.reason });
    else {
      lines.push(...pricing.components.map((component) => ({ logicalId, type, ...component })));
      for (const part of pricing.unpricedParts ?? []) {
        unpricedResources.push({
          logicalId,
          type,
          reason: `${part} (rest of the resource priced)`,
        });
      }
    }
  }
  const { assumptions: usage, hoursPerMonth } = prices;
  return {
    ...source,
    estimate: true,
    priceTable: {
      region: prices.region,
      currency: prices.currency,
      date: prices.date,
      basis: prices.basis,
      sources: prices.sources,
    },
    lines,
    totalMonthlyUsd: lines.reduce((sum, line) => sum + line.monthlyUsd, 0),
    free: freeResources,
    unpriced: unpricedResources,
    assumptions: [
      `${hoursPerMonth} hours a month, every resource running all month`,
      `${usage.logGroupIngestionGbPerMonth} GB a month ingested per log group; ${usage.flowLogIngestionGbPerMonth} GB a month of flow logs; ${usage.enhancedMonitoringGbPerMonthAt60s} GB a month of Enhanced Monitoring at a 60 s interval; log storage not counted`,
      `${usage.lambdaInvocationsPerMonth} invocations a month of ${usage.lambdaAverageDurationSeconds} s per Lambda function (probe, rotation and deploy-time functions run far less)`,
      'backup storage up to the provisioned storage size is free (retention of 7-14 days on a small database stays within it)',
      'data transfer, API requests (KMS, Secrets Manager) and endpoint data processing not counted: cents at this scale',
      `an EC2 instance without block device mappings has a ${usage.ec2DefaultRootVolumeGb} GB gp3 root volume`,
    ],
  };
}
