import { acknowledge } from '../compliance/acknowledge.js';
import type { AccessHost } from './access-host.js';

const SSM_CORE_POLICY = 'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore';

const PUBLIC_ADDRESS =
  "The access host needs outbound HTTPS to Systems Manager and the VPC has no NAT gateway; a public address costs about $3.65/month where the three Systems Manager interface endpoints would cost about $22/month per AZ. The address exposes nothing: the security group has no inbound rule, there is no key pair and no listening service, and sessions arrive over the agent's own outbound connection, authorized by IAM (ssm:StartSession on this instance with the port-forwarding document only) and logged by CloudTrail.";

const IN_VPC =
  'The host is in the stack VPC: with a public address CDK declares its subnet on the network interface (NetworkInterfaces[0].SubnetId), not in the top-level SubnetId this rule reads.';

/**
 * The cdk-nag findings the access host accepts, each on the narrowest construct with the
 * reason a reviewer needs.
 */
export function acknowledgeAccessHostFindings(host: AccessHost): void {
  acknowledge(
    host.role,
    `AwsSolutions-IAM4[${SSM_CORE_POLICY}]`,
    "AmazonSSMManagedInstanceCore is the AWS-maintained policy the Systems Manager agent needs: registration (ssm:UpdateInstanceInformation), the session channels (ssmmessages:*Channel) and messaging (ec2messages:*), plus reads of SSM documents and parameters. AWS updates it as the agent changes. It is the role's only policy: no KMS permission (no SecureString can be decrypted), no Secrets Manager, no database access.",
  );
  acknowledge(
    host.instance,
    'AwsSolutions-EC29',
    'The host is stateless and disposable: it is replaced whenever a newer Amazon Linux 2023 image is published, and `cdk destroy` must be able to remove it. Termination protection would block both; nothing is lost when it terminates.',
  );
  for (const rule of [
    'NIST.800.53.R5-EC2InstanceNoPublicIp',
    'PCI.DSS.321-EC2InstanceNoPublicIp',
  ]) {
    acknowledge(host.instance, rule, PUBLIC_ADDRESS);
  }
  for (const rule of ['NIST.800.53.R5-EC2InstancesInVPC', 'PCI.DSS.321-EC2InstancesInVPC']) {
    acknowledge(host.instance, rule, IN_VPC);
  }
}
