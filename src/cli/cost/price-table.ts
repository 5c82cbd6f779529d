import { readFileSync } from 'node:fs';
import * as z from 'zod';

const usd = z.number().min(0);
const byName = z.record(z.string(), usd);

const priceTableSchema = z.strictObject({
  region: z.string(),
  currency: z.literal('USD'),
  /** When the figures were compiled (YYYY-MM-DD); every estimate quotes it. */
  date: z.iso.date(),
  basis: z.string(),
  /** The AWS pricing pages the figures were compiled from, each with what it prices. */
  sources: z
    .array(
      z.strictObject({
        covers: z.string().min(1),
        url: z.url({ protocol: /^https$/, hostname: /^aws\.amazon\.com$/ }),
      }),
    )
    .min(1),
  hoursPerMonth: z.number().positive(),
  rds: z.strictObject({
    postgresInstanceHourly: byName,
    multiAzFactor: z.number().positive(),
    storageGbMonthly: byName,
    proxyVcpuHourly: usd,
    proxyMinimumVcpus: z.number().int().positive(),
  }),
  ec2: z.strictObject({
    instanceHourly: byName,
    ebsGbMonthly: byName,
    publicIpv4Hourly: usd,
    interfaceEndpointAzHourly: usd,
    natGatewayHourly: usd,
  }),
  kms: z.strictObject({ customerKeyMonthly: usd }),
  secretsManager: z.strictObject({ secretMonthly: usd }),
  cloudWatch: z.strictObject({
    standardAlarmMetricMonthly: usd,
    highResolutionAlarmMetricMonthly: usd,
    compositeAlarmMonthly: usd,
    dashboardMonthly: usd,
    logsIngestionGb: usd,
    vendedLogsIngestionGb: usd,
  }),
  lambda: z.strictObject({ requestsPerMillion: usd, gbSecondArm64: usd, gbSecondX86: usd }),
  sns: z.strictObject({ topicMonthly: usd }),
  ssm: z.strictObject({ advancedParameterMonthly: usd }),
  /** Usage the template cannot tell: stated with every estimate. */
  assumptions: z.strictObject({
    logGroupIngestionGbPerMonth: z.number().min(0),
    flowLogIngestionGbPerMonth: z.number().min(0),
    /** OS metrics RDS writes to the RDSOSMetrics log group, at a 60 s interval (scales with 60/interval). */
    enhancedMonitoringGbPerMonthAt60s: z.number().min(0),
    lambdaInvocationsPerMonth: z.number().min(0),
    lambdaAverageDurationSeconds: z.number().min(0),
    ec2DefaultRootVolumeGb: z.number().positive(),
  }),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

/** The price table kept in the repository, next to this file. */
export const PRICE_TABLE_URL = new URL('./prices-us-east-1.json', import.meta.url);

/** Reads and validates a price table; a bad field fails with its path. */
export function loadPriceTable(url: URL = PRICE_TABLE_URL): PriceTable {
  const result = priceTableSchema.safeParse(JSON.parse(readFileSync(url, 'utf8')));
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`The price table ${url.pathname} is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}
