import {
  literalBoolean,
  literalNumber,
  literalString,
  namePattern,
  referencedLogicalId,
  resourcesOfType,
  type TemplateResource,
} from '../../aws/cloudformation-template.js';
import { instanceCapacity } from '../../../shared/instance-classes.js';
import {
  priced,
  rate,
  unpriced,
  type CostComponent,
  type Pricing,
  type PricingScope,
} from '../cost-model.js';

/** The default storage type of CreateDBInstance when neither a type nor IOPS are given. */
const DEFAULT_STORAGE_TYPE = 'gp3';

/**
 * An RDS for PostgreSQL instance: instance hours by class, storage by type and size (both
 * doubled for a Multi-AZ standby), a public IPv4 address when publicly accessible, and the
 * log exports that no log group of the template already accounts for.
 */
export function priceDbInstance(
  _logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const { prices } = scope;
  const properties = resource.Properties ?? {};
  const engine = literalString(properties.Engine);
  if (engine !== 'postgres') {
    return unpriced(
      `engine ${engine ?? '(not a literal)'}: the price table covers RDS for PostgreSQL only`,
    );
  }
  const instanceClass = literalString(properties.DBInstanceClass);
  const hourly =
    instanceClass === undefined ? undefined : prices.rds.postgresInstanceHourly[instanceClass];
  if (instanceClass === undefined || hourly === undefined) {
    return unpriced(
      `instance class ${instanceClass ?? '(not a literal)'} is not in the price table`,
    );
  }
  const multiAz = literalBoolean(properties.MultiAZ) ?? false;
  const factor = multiAz ? prices.rds.multiAzFactor : 1;
  const hours = prices.hoursPerMonth;
  const az = multiAz ? `Multi-AZ (× ${factor})` : 'single-AZ';
  const components: CostComponent[] = [
    {
      what: `${instanceClass} ${az}: ${hours} h × ${rate(hourly)}/h`,
      monthlyUsd: hours * hourly * factor,
    },
  ];
  const unpricedParts: string[] = [];

  const storageType = literalString(properties.StorageType) ?? DEFAULT_STORAGE_TYPE;
  const storageGb = literalNumber(properties.AllocatedStorage);
  const storageRate = prices.rds.storageGbMonthly[storageType];
  if (storageGb === undefined || storageRate === undefined) {
    unpricedParts.push(`storage ${storageType} ${storageGb ?? '(size not a literal)'} GB`);
  } else {
    components.push({
      what: `${storageType} storage ${az}: ${storageGb} GB × ${rate(storageRate)}/GB-month (backups up to this size free)`,
      monthlyUsd: storageGb * storageRate * factor,
    });
  }
  if (properties.Iops !== undefined || properties.StorageThroughput !== undefined) {
    unpricedParts.push('provisioned IOPS or throughput above the baseline');
  }
  const monitoringSeconds = literalNumber(properties.MonitoringInterval) ?? 0;
  if (monitoringSeconds > 0) {
    const gb = (prices.assumptions.enhancedMonitoringGbPerMonthAt60s * 60) / monitoringSeconds;
    components.push({
      what: `Enhanced Monitoring every ${monitoringSeconds} s: ${gb} GB × ${rate(prices.cloudWatch.logsIngestionGb)}/GB (assumed)`,
      monthlyUsd: gb * prices.cloudWatch.logsIngestionGb,
    });
  }
  if (literalBoolean(properties.PubliclyAccessible) === true) {
    components.push({
      what: `public IPv4 address (publicly accessible): ${hours} h × ${rate(prices.ec2.publicIpv4Hourly)}/h`,
      monthlyUsd: hours * prices.ec2.publicIpv4Hourly,
    });
  }
  const exports = Array.isArray(properties.EnableCloudwatchLogsExports)
    ? properties.EnableCloudwatchLogsExports.filter(
        (name): name is string => typeof name === 'string',
      )
    : [];
  const ingestion = prices.assumptions.logGroupIngestionGbPerMonth;
  for (const name of exports.filter((name) => !hasExportLogGroup(scope, name))) {
    components.push({
      what: `log export ${name} (log group created by RDS): ${ingestion} GB × ${rate(prices.cloudWatch.logsIngestionGb)}/GB (assumed)`,
      monthlyUsd: ingestion * prices.cloudWatch.logsIngestionGb,
    });
  }
  return { kind: 'priced', components, unpricedParts };
}

/** Whether the template creates the log group RDS exports `name` to (then that group is priced). */
function hasExportLogGroup(scope: PricingScope, name: string): boolean {
  return resourcesOfType(scope.template, 'AWS::Logs::LogGroup').some(([, group]) => {
    // The name carries the instance identifier, often a deploy-time value (`*` here).
    const logGroupName = namePattern(group.Properties?.LogGroupName) ?? '';
    return logGroupName.startsWith('/aws/rds/instance/') && logGroupName.endsWith(`/${name}`);
  });
}

/**
 * RDS Proxy: per vCPU-hour of the instances it fronts, with a minimum of vCPUs per proxy. The
 * instances are found through the proxy's target group.
 */
export function priceDbProxy(
  logicalId: string,
  _resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const { prices, template } = scope;
  const targets = resourcesOfType(template, 'AWS::RDS::DBProxyTargetGroup').filter(
    ([, group]) => referencedLogicalId(group.Properties?.DBProxyName) === logicalId,
  );
  const instanceIds = targets.flatMap(([, group]) =>
    Array.isArray(group.Properties?.DBInstanceIdentifiers)
      ? group.Properties.DBInstanceIdentifiers.map(referencedLogicalId)
      : [undefined],
  );
  if (instanceIds.length === 0 || instanceIds.includes(undefined)) {
    return unpriced('its target instances are not instances of this template');
  }
  let vcpus = 0;
  for (const instanceId of instanceIds as string[]) {
    const instanceClass = literalString(
      template.Resources[instanceId]?.Properties?.DBInstanceClass,
    );
    const count = instanceClass === undefined ? undefined : instanceCapacity(instanceClass)?.vCpus;
    if (count === undefined)
      return unpriced(`vCPUs of target ${instanceId} (${instanceClass ?? '?'}) unknown`);
    vcpus += count;
  }
  const billed = Math.max(vcpus, prices.rds.proxyMinimumVcpus);
  const hours = prices.hoursPerMonth;
  return priced({
    what: `${billed} vCPU (target ${vcpus}, minimum ${prices.rds.proxyMinimumVcpus}) × ${hours} h × ${rate(prices.rds.proxyVcpuHourly)}/vCPU-h`,
    monthlyUsd: billed * hours * prices.rds.proxyVcpuHourly,
  });
}
