import { demandOf, quotaCheck } from './quota.js';

/**
 * The access host's public subnets need an internet gateway. Amazon VPC quota "Internet
 * gateways per Region" (5 by default).
 */
export const internetGatewayQuotaCheck = quotaCheck({
  name: 'quota: internet gateways per Region',
  serviceCode: 'vpc',
  quotaCode: 'L-A4707A72',
  demand: demandOf('AWS::EC2::InternetGateway'),
  usage: 'internet-gateways',
  things: 'internet gateways',
});
