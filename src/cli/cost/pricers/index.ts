import type { TemplateResource } from '../../aws/cloudformation-template.js';
import {
  free,
  unpriced,
  type Pricing,
  type PricingScope,
  type ResourcePricer,
} from '../cost-model.js';
import { priceEc2Instance, priceLambdaFunction, priceLambdaVersionOrAlias } from './compute.js';
import { priceDbInstance, priceDbProxy } from './database.js';
import { CUSTOM_RESOURCE_PREFIX, FREE_TYPES } from './free-types.js';
import {
  priceAlarm,
  priceCompositeAlarm,
  priceDashboard,
  priceFlowLog,
  priceLogGroup,
  priceSnsTopic,
} from './monitoring.js';
import { priceElasticIp, priceNatGateway, priceVpcEndpoint } from './network.js';
import { priceKmsKey, priceSecret, priceSsmParameter } from './security.js';

/** The resource types `cost` knows how to price, by CloudFormation type. */
export const PRICERS: Readonly<Record<string, ResourcePricer>> = {
  'AWS::RDS::DBInstance': priceDbInstance,
  'AWS::RDS::DBProxy': priceDbProxy,
  'AWS::KMS::Key': priceKmsKey,
  'AWS::SecretsManager::Secret': priceSecret,
  'AWS::SSM::Parameter': priceSsmParameter,
  'AWS::EC2::VPCEndpoint': priceVpcEndpoint,
  'AWS::EC2::NatGateway': priceNatGateway,
  'AWS::EC2::EIP': priceElasticIp,
  'AWS::EC2::Instance': priceEc2Instance,
  'AWS::Lambda::Function': priceLambdaFunction,
  'AWS::Lambda::Version': priceLambdaVersionOrAlias,
  'AWS::Lambda::Alias': priceLambdaVersionOrAlias,
  'AWS::Logs::LogGroup': priceLogGroup,
  'AWS::EC2::FlowLog': priceFlowLog,
  'AWS::CloudWatch::Alarm': priceAlarm,
  'AWS::CloudWatch::CompositeAlarm': priceCompositeAlarm,
  'AWS::CloudWatch::Dashboard': priceDashboard,
  'AWS::SNS::Topic': priceSnsTopic,
};

/** Prices one resource: by its pricer, as a free type, or as unpriced with the reason. */
export function priceResource(
  logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
): Pricing {
  const pricer = PRICERS[resource.Type];
  if (pricer !== undefined) return pricer(logicalId, resource, scope);
  const freeReason = FREE_TYPES[resource.Type];
  if (freeReason !== undefined) return free(freeReason);
  if (resource.Type.startsWith(CUSTOM_RESOURCE_PREFIX))
    return free(FREE_TYPES['AWS::CloudFormation::CustomResource'] as string);
  return unpriced('not in the price table');
}
