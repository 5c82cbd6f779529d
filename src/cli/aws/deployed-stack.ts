import {
  DescribeStacksCommand,
  CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { DEFAULT_DEPLOY_REGION, stackName, type Stage } from '../../shared/names.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { classifyAwsError, toAwsCliError } from './errors.js';
import { bounded, type AwsSession } from './session.js';

/** A deployed stack as `verify` and `info` use it. */
export interface DeployedStack {
  readonly name: string;
  /** The stack ARN. */
  readonly id: string;
  readonly region: string;
  /** For example `CREATE_COMPLETE` or `UPDATE_ROLLBACK_COMPLETE`. */
  readonly status: string;
  /** Why CloudFormation is in that status, when it says (a failed resource, say). */
  readonly statusReason?: string;
  readonly terminationProtection?: boolean;
  readonly lastUpdated: Date | undefined;
  /** Output values by output key; only outputs that have a value. */
  readonly outputs: Readonly<Record<string, string>>;
}

/**
 * Reads the stage's stack in the session's region, or `undefined` when there is none: for
 * commands that run before a deploy (`preflight`), where no stack is a state, not an error.
 */
export async function findDeployedStack(
  session: AwsSession,
  stage: Stage,
): Promise<DeployedStack | undefined> {
  const found = await describeStack(session, stackName(stage));
  return found === undefined ? undefined : toDeployedStack(found, session.region);
}

/**
 * Reads the stage's stack, which must exist. When it is not in the session's region but is in
 * the region the CDK app deploys to by default, the diagnosis is the region (exit 54), not a
 * missing stack (52).
 */
export async function readDeployedStack(session: AwsSession, stage: Stage): Promise<DeployedStack> {
  const name = stackName(stage);
  const found = await findDeployedStack(session, stage);
  if (found !== undefined) return found;

  if (session.region !== DEFAULT_DEPLOY_REGION) {
    const elsewhere = session.inRegion(DEFAULT_DEPLOY_REGION, 'the CDK app default');
    try {
      const other = await describeStack(elsewhere, name).catch(() => undefined);
      if (other !== undefined) {
        throw new CliError(
          `Stack ${name} is not in ${session.region} (from ${session.regionSource}) but exists in ${DEFAULT_DEPLOY_REGION}.`,
          ExitCode.WrongRegion,
          `Pass --region ${DEFAULT_DEPLOY_REGION} (or set AWS_REGION=${DEFAULT_DEPLOY_REGION}).`,
        );
      }
    } finally {
      elsewhere.close();
    }
  }
  throw new CliError(
    `Stack ${name} does not exist in ${session.region} (region from ${session.regionSource}).`,
    ExitCode.StackNotFound,
    `Deploy it with \`npx cdk deploy ${name}\` (docs/database.md), or pass --region with the region it was deployed to.`,
  );
}

/** The stack, or `undefined` when CloudFormation says it does not exist. */
async function describeStack(session: AwsSession, name: string): Promise<Stack | undefined> {
  const client = session.client(CloudFormationClient);
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: name }), bounded());
    return response.Stacks?.[0];
  } catch (error) {
    // CloudFormation answers an unknown stack with a ValidationError ("Stack with id X does not
    // exist"), the same code it uses for malformed requests: the message tells them apart.
    const failure = classifyAwsError(error);
    if (failure.code === 'ValidationError' && /does not exist/i.test(failure.summary))
      return undefined;
    throw toAwsCliError(error, { region: session.region, profile: session.profile });
  }
}

function toDeployedStack(stack: Stack, region: string): DeployedStack {
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined) {
      outputs[output.OutputKey] = output.OutputValue;
    }
  }
  if (
    stack.StackName === undefined ||
    stack.StackId === undefined ||
    stack.StackStatus === undefined
  ) {
    throw new CliError(
      'CloudFormation described a stack without a name, id or status.',
      ExitCode.Internal,
      'Run the command again; if it persists, report it with the stack status from the CloudFormation console.',
    );
  }
  return {
    name: stack.StackName,
    id: stack.StackId,
    region,
    status: stack.StackStatus,
    ...(stack.StackStatusReason !== undefined && { statusReason: stack.StackStatusReason }),
    terminationProtection: stack.EnableTerminationProtection ?? false,
    lastUpdated: stack.LastUpdatedTime ?? stack.CreationTime,
    outputs,
  };
}
