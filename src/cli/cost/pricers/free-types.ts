/**
 * Resource types with no charge of their own, each with the reason. Anything neither here nor
 * priced is reported as unpriced.
 */
export const FREE_TYPES: Readonly<Record<string, string>> = {
  'AWS::CDK::Metadata': 'CDK metadata',
  'AWS::EC2::VPC': 'VPC',
  'AWS::EC2::Subnet': 'VPC networking',
  'AWS::EC2::RouteTable': 'VPC networking',
  'AWS::EC2::Route': 'VPC networking',
  'AWS::EC2::SubnetRouteTableAssociation': 'VPC networking',
  'AWS::EC2::InternetGateway': 'VPC networking (data transfer out is billed, not counted)',
  'AWS::EC2::VPCGatewayAttachment': 'VPC networking',
  'AWS::EC2::NetworkAcl': 'VPC networking',
  'AWS::EC2::NetworkAclEntry': 'VPC networking',
  'AWS::EC2::SubnetNetworkAclAssociation': 'VPC networking',
  'AWS::EC2::SecurityGroup': 'security group',
  'AWS::EC2::SecurityGroupIngress': 'security group rule',
  'AWS::EC2::SecurityGroupEgress': 'security group rule',
  'AWS::EC2::LaunchTemplate': 'launch template (its instances are priced)',
  'AWS::IAM::Role': 'IAM',
  'AWS::IAM::Policy': 'IAM',
  'AWS::IAM::ManagedPolicy': 'IAM',
  'AWS::IAM::InstanceProfile': 'IAM',
  'AWS::KMS::Alias': 'key alias',
  'AWS::RDS::DBSubnetGroup': 'RDS configuration',
  'AWS::RDS::DBParameterGroup': 'RDS configuration',
  'AWS::RDS::DBProxyTargetGroup': 'RDS Proxy configuration (the proxy is priced)',
  'AWS::SecretsManager::SecretTargetAttachment': 'secret configuration',
  'AWS::SecretsManager::RotationSchedule': 'secret configuration (its rotation function is priced)',
  'AWS::SecretsManager::ResourcePolicy': 'secret configuration',
  'AWS::Lambda::Permission': 'Lambda configuration',
  'AWS::Logs::ResourcePolicy': 'CloudWatch Logs configuration',
  'AWS::SNS::Subscription': 'SNS configuration',
  'AWS::SNS::TopicPolicy': 'SNS configuration',
  'AWS::SSM::Association': 'Systems Manager configuration',
  'AWS::CloudFormation::CustomResource': 'runs at deploy time (its function is priced)',
};

/** CDK custom resources (`Custom::…`) run their provider function at deploy time only. */
export const CUSTOM_RESOURCE_PREFIX = 'Custom::';
