// Tests run offline with no AWS account: never let the SDK probe the instance-metadata
// address for credentials, and give it a region so clients can be built.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_REGION ??= 'us-east-1';
