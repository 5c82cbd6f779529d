import {
  literalBoolean,
  literalNumber,
  literalString,
  referencedLogicalId,
  type TemplateResource,
} from '../../aws/cloudformation-template.js';
import {
  free,
  priced,
  rate,
  unpriced,
  type CostComponent,
  type Pricing,
  type PricingScope,
} from '../cost-model.js';

/** Lambda's default memory when a function does not set `MemorySize`. */
const DEFAULT_LAMBDA_MEMORY_MB = 128;

/**
 * An EC2 instance: hours by type, its EBS volumes (the AMI's root volume under a stated
 * assumption when no mapping is given), and a public IPv4 address when it gets one. Settings
 * may sit on the instance or on the launch template it uses.
 */
export function priceEc2Instance(
  _logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const { prices } = scope;
  const properties = resource.Properties ?? {};
  const launchData = launchTemplateData(properties.LaunchTemplate, scope);
  const setting = (name: string): unknown => properties[name] ?? launchData[name];

  const instanceType = literalString(setting('InstanceType'));
  const hourly = instanceType === undefined ? undefined : prices.ec2.instanceHourly[instanceType];
  if (instanceType === undefined || hourly === undefined) {
    return unpriced(`instance type ${instanceType ?? '(not a literal)'} is not in the price table`);
  }
  const hours = prices.hoursPerMonth;
  const components: CostComponent[] = [
    { what: `${instanceType}: ${hours} h × ${rate(hourly)}/h`, monthlyUsd: hours * hourly },
  ];
  const unpricedParts: string[] = [];

  const mappings = setting('BlockDeviceMappings');
  const volumes = Array.isArray(mappings)
    ? mappings
        .map((mapping) => (mapping as { Ebs?: Record<string, unknown> }).Ebs)
        .filter((ebs) => ebs !== undefined)
    : [];
  const gp3 = prices.ec2.ebsGbMonthly.gp3;
  if (volumes.length === 0 && gp3 === undefined) unpricedParts.push('root volume (no gp3 price)');
  if (volumes.length === 0 && gp3 !== undefined) {
    const size = prices.assumptions.ec2DefaultRootVolumeGb;
    components.push({
      what: `root volume (AMI default, assumed ${size} GB gp3) × ${rate(gp3)}/GB-month`,
      monthlyUsd: size * gp3,
    });
  }
  for (const ebs of volumes) {
    const size = literalNumber(ebs.VolumeSize);
    const type = literalString(ebs.VolumeType) ?? 'gp3';
    const gbRate = prices.ec2.ebsGbMonthly[type];
    if (size === undefined || gbRate === undefined) {
      unpricedParts.push(`EBS volume ${type} ${size ?? '(size not a literal)'} GB`);
    } else {
      components.push({
        what: `EBS ${type} ${size} GB × ${rate(gbRate)}/GB-month`,
        monthlyUsd: size * gbRate,
      });
    }
  }
  if (getsPublicIpv4(setting('NetworkInterfaces'), properties.SubnetId, scope)) {
    components.push({
      what: `public IPv4 address: ${hours} h × ${rate(prices.ec2.publicIpv4Hourly)}/h`,
      monthlyUsd: hours * prices.ec2.publicIpv4Hourly,
    });
  }
  return { kind: 'priced', components, unpricedParts };
}

/**
 * The data of the launch template an instance names, by reference or by literal name (CDK's
 * IMDSv2 aspect writes the name); empty when there is none.
 */
function launchTemplateData(reference: unknown, scope: PricingScope): Record<string, unknown> {
  const spec = (reference ?? {}) as { LaunchTemplateId?: unknown; LaunchTemplateName?: unknown };
  const byReference =
    referencedLogicalId(spec.LaunchTemplateId) ?? referencedLogicalId(spec.LaunchTemplateName);
  const name = literalString(spec.LaunchTemplateName);
  const found = Object.entries(scope.template.Resources).find(
    ([logicalId, resource]) =>
      resource.Type === 'AWS::EC2::LaunchTemplate' &&
      (logicalId === byReference ||
        (name !== undefined && resource.Properties?.LaunchTemplateName === name)),
  );
  return (found?.[1].Properties?.LaunchTemplateData ?? {}) as Record<string, unknown>;
}

function getsPublicIpv4(interfaces: unknown, subnetId: unknown, scope: PricingScope): boolean {
  if (Array.isArray(interfaces)) {
    return interfaces.some(
      (networkInterface) =>
        literalBoolean(
          (networkInterface as { AssociatePublicIpAddress?: unknown }).AssociatePublicIpAddress,
        ) === true,
    );
  }
  const subnet = scope.template.Resources[referencedLogicalId(subnetId) ?? ''];
  return literalBoolean(subnet?.Properties?.MapPublicIpOnLaunch) === true;
}

/**
 * A Lambda function: requests and GB-seconds under a stated usage assumption (the functions of
 * this stack run on deploy, on verify or on a rotation schedule, so the figure is tiny).
 */
export function priceLambdaFunction(
  _logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const { lambda, assumptions } = scope.prices;
  const memoryMb = literalNumber(resource.Properties?.MemorySize) ?? DEFAULT_LAMBDA_MEMORY_MB;
  const architectures = resource.Properties?.Architectures;
  const arm = Array.isArray(architectures) && architectures.includes('arm64');
  const gbSecond = arm ? lambda.gbSecondArm64 : lambda.gbSecondX86;
  const invocations = assumptions.lambdaInvocationsPerMonth;
  const seconds = assumptions.lambdaAverageDurationSeconds;
  const compute = invocations * seconds * (memoryMb / 1024) * gbSecond;
  const requests = (invocations / 1_000_000) * lambda.requestsPerMillion;
  return priced({
    what: `${invocations} invocations × ${seconds} s × ${memoryMb} MB ${arm ? 'arm64' : 'x86_64'} (assumed usage)`,
    monthlyUsd: compute + requests,
  });
}

/** Versions and aliases cost nothing, unless they keep provisioned concurrency warm. */
export function priceLambdaVersionOrAlias(_logicalId: string, resource: TemplateResource): Pricing {
  return resource.Properties?.ProvisionedConcurrencyConfig === undefined
    ? free('a version or alias without provisioned concurrency has no charge')
    : unpriced('provisioned concurrency is not in the price table');
}
