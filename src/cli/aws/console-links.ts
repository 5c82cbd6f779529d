/**
 * Links into the AWS Management Console for one region. China and GovCloud regions have their
 * own console domains; every other region lives under `<region>.console.aws.amazon.com`.
 */
export interface ConsoleLinks {
  stack(stackId: string): string;
  dbInstance(identifier: string): string;
  secret(name: string): string;
  kmsKey(keyArn: string): string;
  securityGroup(groupId: string): string;
  lambdaFunction(name: string): string;
}

export function consoleLinks(region: string): ConsoleLinks {
  const base = `https://${consoleHost(region)}`;
  const query = `region=${encodeURIComponent(region)}`;
  return {
    stack: (stackId) =>
      `${base}/cloudformation/home?${query}#/stacks/stackinfo?stackId=${encodeURIComponent(stackId)}`,
    dbInstance: (identifier) =>
      `${base}/rds/home?${query}#database:id=${encodeURIComponent(identifier)};is-cluster=false`,
    secret: (name) => `${base}/secretsmanager/secret?name=${encodeURIComponent(name)}&${query}`,
    // The console addresses keys by id, the last segment of the key ARN.
    kmsKey: (keyArn) =>
      `${base}/kms/home?${query}#/kms/keys/${encodeURIComponent(keyIdOf(keyArn))}`,
    securityGroup: (groupId) =>
      `${base}/ec2/home?${query}#SecurityGroup:groupId=${encodeURIComponent(groupId)}`,
    lambdaFunction: (name) => `${base}/lambda/home?${query}#/functions/${encodeURIComponent(name)}`,
  };
}

function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  return `${region}.console.aws.amazon.com`;
}

/** `arn:aws:kms:us-east-1:123456789012:key/1234abcd-...` → `1234abcd-...`. */
export function keyIdOf(keyArn: string): string {
  return keyArn.slice(keyArn.lastIndexOf('/') + 1);
}
