import { demandOf, quotaCheck } from './quota.js';

/** Each stage creates its own VPC. Amazon VPC quota "VPCs per Region" (5 by default). */
export const vpcQuotaCheck = quotaCheck({
  name: 'quota: VPCs per Region',
  serviceCode: 'vpc',
  quotaCode: 'L-F678F1CE',
  demand: demandOf('AWS::EC2::VPC'),
  usage: 'vpcs',
  things: 'VPCs',
});
