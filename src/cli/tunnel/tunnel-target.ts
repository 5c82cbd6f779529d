import { OutputKeys, stackName, type Stage } from '../../shared/names.js';
import type { DeployedStack } from '../aws/deployed-stack.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { cliCommand } from '../ui/shell-command.js';

/** Where the tunnel goes: through the access host, to the database endpoint. */
export interface TunnelTarget {
  /** The access host's EC2 instance id, `i-…`. */
  readonly instanceId: string;
  /** The database host name: the server certificate names it. */
  readonly endpointAddress: string;
  readonly endpointPort: number;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/**
 * Reads the tunnel's target from the stack outputs `EndpointAddress`, `EndpointPort` and
 * `AccessHostInstanceId`. A stack without the access host output has no host to forward through.
 */
export function tunnelTargetFromStack(stage: Stage, stack: DeployedStack): TunnelTarget {
  const outputs = stack.outputs;
  const instanceId = outputs[OutputKeys.AccessHostInstanceId];
  if (instanceId === undefined) {
    throw new CliError(
      `Stack ${stack.name} has no ${OutputKeys.AccessHostInstanceId} output: the ${stage} stage has no access host to forward through.`,
      ExitCode.AccessHostNotDeployed,
      `Turn the access host on for ${stage} in the stage configuration and deploy (\`npx cdk deploy ${stackName(stage)}\`); see docs/operations.md, "Private access from a laptop".`,
    );
  }
  const endpointAddress = outputs[OutputKeys.EndpointAddress];
  const portText = outputs[OutputKeys.EndpointPort];
  const missing = [
    ...(endpointAddress === undefined ? [OutputKeys.EndpointAddress] : []),
    ...(portText === undefined ? [OutputKeys.EndpointPort] : []),
  ];
  if (endpointAddress === undefined || portText === undefined) {
    throw malformed(stage, stack, `it has no ${missing.join(' or ')} output`);
  }
  if (!INSTANCE_ID.test(instanceId)) {
    throw malformed(
      stage,
      stack,
      `${OutputKeys.AccessHostInstanceId} is ${JSON.stringify(instanceId)}, not an instance id (i-…)`,
    );
  }
  const endpointPort = Number(portText);
  if (!Number.isInteger(endpointPort) || endpointPort < 1 || endpointPort > 65535) {
    throw malformed(
      stage,
      stack,
      `${OutputKeys.EndpointPort} is ${JSON.stringify(portText)}, not a port number`,
    );
  }
  return { instanceId, endpointAddress, endpointPort };
}

function malformed(stage: Stage, stack: DeployedStack, problem: string): CliError {
  return new CliError(
    `Stack ${stack.name} cannot be tunnelled to: ${problem}.`,
    ExitCode.VerificationFailed,
    `Check the deployment (status ${stack.status}); \`${cliCommand(['verify', '--stage', stage, '--region', stack.region])}\` lists what is wrong.`,
  );
}
