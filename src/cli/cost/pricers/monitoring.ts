import {
  literalNumber,
  literalString,
  referencedLogicalId,
  resourcesOfType,
  type TemplateResource,
} from '../../aws/cloudformation-template.js';
import { priced, rate, unpriced, type Pricing, type PricingScope } from '../cost-model.js';

/**
 * A log group: ingestion under the stated assumption. A group that receives a flow log is
 * priced on the flow log (vended logs have their own price), so it is not counted twice.
 */
export function priceLogGroup(
  logicalId: string,
  _resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const flowLog = resourcesOfType(scope.template, 'AWS::EC2::FlowLog').find(
    ([, log]) => referencedLogicalId(log.Properties?.LogGroupName) === logicalId,
  );
  if (flowLog !== undefined) {
    return priced({
      what: `receives flow log ${flowLog[0]} (ingestion priced there)`,
      monthlyUsd: 0,
    });
  }
  const gb = scope.prices.assumptions.logGroupIngestionGbPerMonth;
  const perGb = scope.prices.cloudWatch.logsIngestionGb;
  return priced({
    what: `log ingestion: ${gb} GB × ${rate(perGb)}/GB (assumed); storage not counted`,
    monthlyUsd: gb * perGb,
  });
}

/** VPC flow logs delivered to CloudWatch Logs are vended logs, priced per GB ingested. */
export function priceFlowLog(
  _logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const destination = literalString(resource.Properties?.LogDestinationType) ?? 'cloud-watch-logs';
  if (destination !== 'cloud-watch-logs') {
    return unpriced(`flow log delivery to ${destination} is not in the price table`);
  }
  const gb = scope.prices.assumptions.flowLogIngestionGbPerMonth;
  const perGb = scope.prices.cloudWatch.vendedLogsIngestionGb;
  return priced({
    what: `flow log ingestion (vended logs): ${gb} GB × ${rate(perGb)}/GB (assumed)`,
    monthlyUsd: gb * perGb,
  });
}

/**
 * A metric alarm: per metric it evaluates (a metric-math alarm counts each metric), at the
 * high-resolution price when its period is under a minute.
 */
export function priceAlarm(
  _logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const properties = resource.Properties ?? {};
  const metrics = Array.isArray(properties.Metrics)
    ? Math.max(
        1,
        properties.Metrics.filter(
          (metric) => (metric as { MetricStat?: unknown }).MetricStat !== undefined,
        ).length,
      )
    : 1;
  const periods = Array.isArray(properties.Metrics)
    ? properties.Metrics.map((metric) =>
        literalNumber((metric as { MetricStat?: { Period?: unknown } }).MetricStat?.Period),
      )
    : [literalNumber(properties.Period)];
  const highResolution = periods.some((period) => period !== undefined && period < 60);
  const { cloudWatch } = scope.prices;
  const perMetric = highResolution
    ? cloudWatch.highResolutionAlarmMetricMonthly
    : cloudWatch.standardAlarmMetricMonthly;
  return priced({
    what: `${highResolution ? 'high-resolution' : 'standard'} alarm: ${metrics} metric × ${rate(perMetric)}/month`,
    monthlyUsd: metrics * perMetric,
  });
}

export function priceCompositeAlarm(
  _logicalId: string,
  _resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const monthly = scope.prices.cloudWatch.compositeAlarmMonthly;
  return priced({ what: `composite alarm: ${rate(monthly)}/month`, monthlyUsd: monthly });
}

export function priceDashboard(
  _logicalId: string,
  _resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const monthly = scope.prices.cloudWatch.dashboardMonthly;
  return priced({
    what: `dashboard: ${rate(monthly)}/month (the account's first 3 are free; not assumed)`,
    monthlyUsd: monthly,
  });
}

/** Topics have no standing charge; notifications at alarm volume fall in the free monthly allowance. */
export function priceSnsTopic(
  _logicalId: string,
  _resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const monthly = scope.prices.sns.topicMonthly;
  return priced({
    what: `topic: ${rate(monthly)}/month; the first million publishes and 1,000 email deliveries a month are free`,
    monthlyUsd: monthly,
  });
}
