import { literalString, type TemplateResource } from '../../aws/cloudformation-template.js';
import { free, priced, rate, unpriced, type Pricing, type PricingScope } from '../cost-model.js';

/**
 * A VPC endpoint: an interface endpoint bills per hour in each AZ it has a subnet in; a gateway
 * endpoint (S3, DynamoDB; the CloudFormation default type) is free.
 */
export function priceVpcEndpoint(
  _logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const type = literalString(resource.Properties?.VpcEndpointType) ?? 'Gateway';
  if (type === 'Gateway') return free('gateway endpoints have no charge');
  if (type !== 'Interface') return unpriced(`endpoint type ${type} is not in the price table`);
  const subnets = resource.Properties?.SubnetIds;
  if (!Array.isArray(subnets))
    return unpriced('its subnets are not a literal list, so its AZ count is unknown');
  const { hoursPerMonth: hours, ec2 } = scope.prices;
  return priced({
    what: `interface endpoint in ${subnets.length} AZ: ${subnets.length} × ${hours} h × ${rate(ec2.interfaceEndpointAzHourly)}/h (data processed not counted)`,
    monthlyUsd: subnets.length * hours * ec2.interfaceEndpointAzHourly,
  });
}

/** A NAT gateway: hours; processed data is usage the template cannot tell. */
export function priceNatGateway(
  _logicalId: string,
  _resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const { hoursPerMonth: hours, ec2 } = scope.prices;
  return priced({
    what: `NAT gateway: ${hours} h × ${rate(ec2.natGatewayHourly)}/h (data processed not counted)`,
    monthlyUsd: hours * ec2.natGatewayHourly,
  });
}

/** An Elastic IP: every public IPv4 address is billed by the hour, attached or not. */
export function priceElasticIp(
  _logicalId: string,
  _resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const { hoursPerMonth: hours, ec2 } = scope.prices;
  return priced({
    what: `public IPv4 address: ${hours} h × ${rate(ec2.publicIpv4Hourly)}/h`,
    monthlyUsd: hours * ec2.publicIpv4Hourly,
  });
}
