import { demandOf, quotaCheck } from './quota.js';

/** Amazon RDS quota "DB instances" (40 by default), shared by every instance of the region. */
export const dbInstanceQuotaCheck = quotaCheck({
  name: 'quota: DB instances',
  serviceCode: 'rds',
  quotaCode: 'L-7B6409FD',
  demand: demandOf('AWS::RDS::DBInstance'),
  usage: 'db-instances',
  things: 'DB instances',
});
