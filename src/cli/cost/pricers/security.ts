import {
  literalBoolean,
  literalString,
  type TemplateResource,
} from '../../aws/cloudformation-template.js';
import { free, priced, rate, type Pricing, type PricingScope } from '../cost-model.js';

/**
 * A customer-managed KMS key. With automatic rotation, each of the first two yearly rotations
 * adds the key price again (AWS caps it there): the estimate is the first year's.
 */
export function priceKmsKey(
  _logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const monthly = scope.prices.kms.customerKeyMonthly;
  const rotation = literalBoolean(resource.Properties?.EnableKeyRotation) === true;
  return priced({
    what: `customer-managed key: ${rate(monthly)}/month${rotation ? ' (first year; rotations add up to 2 × that later)' : ''}; requests not counted`,
    monthlyUsd: monthly,
  });
}

export function priceSecret(
  _logicalId: string,
  _resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const monthly = scope.prices.secretsManager.secretMonthly;
  return priced({
    what: `secret: ${rate(monthly)}/month; API calls not counted`,
    monthlyUsd: monthly,
  });
}

/** Standard parameters are free; advanced ones have a monthly price. */
export function priceSsmParameter(
  _logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const tier = literalString(resource.Properties?.Tier) ?? 'Standard';
  if (tier !== 'Advanced') return free('standard-tier parameters have no charge');
  const monthly = scope.prices.ssm.advancedParameterMonthly;
  return priced({ what: `advanced parameter: ${rate(monthly)}/month`, monthlyUsd: monthly });
}
