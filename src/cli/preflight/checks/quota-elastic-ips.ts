import { demandOf, quotaCheck } from './quota.js';

/**
 * Amazon EC2 quota "EC2-VPC Elastic IPs" (5 by default). The stacks allocate none today (no NAT
 * gateway; the access host takes an automatic public address), so the line is not applicable
 * unless that changes.
 */
export const elasticIpQuotaCheck = quotaCheck({
  name: 'quota: Elastic IPs',
  serviceCode: 'ec2',
  quotaCode: 'L-0263D0A3',
  demand: demandOf('AWS::EC2::EIP'),
  usage: 'elastic-ips',
  things: 'Elastic IPs',
});
