import { demandOf, quotaCheck } from './quota.js';

/** The Secrets Manager endpoint. Amazon VPC quota "Interface VPC endpoints per VPC". */
export const interfaceEndpointQuotaCheck = quotaCheck({
  name: 'quota: interface endpoints per VPC',
  serviceCode: 'vpc',
  quotaCode: 'L-29B6F2EB',
  demand: demandOf(
    'AWS::EC2::VPCEndpoint',
    (properties) => properties.VpcEndpointType === 'Interface',
  ),
  usage: 'per-vpc',
  things: 'interface endpoints',
});
