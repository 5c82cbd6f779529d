import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

export interface SecretsManagerEndpointProps {
  readonly vpc: ec2.IVpc;
  /** The subnets to place it in, one per AZ. */
  readonly subnets: readonly ec2.ISubnet[];
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * Isolated subnets have no route to public AWS endpoints: without this, a Lambda in the VPC
 * could pass the database security group and still never read its secret. Private DNS makes
 * the regular `secretsmanager.<region>.amazonaws.com` name resolve to the endpoint, so SDK
 * clients need no special endpoint setting. Reachable from every AZ of the VPC, wherever it is
 * placed; a second AZ buys availability, not reachability.
 */
export function createSecretsManagerEndpoint(
  scope: Construct,
  props: SecretsManagerEndpointProps,
): ec2.InterfaceVpcEndpoint {
  return new ec2.InterfaceVpcEndpoint(scope, 'SecretsManagerEndpoint', {
    vpc: props.vpc,
    service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    privateDnsEnabled: true,
    subnets: { subnets: [...props.subnets] },
    securityGroups: [props.securityGroup],
    // `open` would admit the whole VPC range on 443; only the Lambda group is admitted.
    open: false,
  });
}
