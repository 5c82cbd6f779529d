import { PORT_FORWARDING_DOCUMENT } from '../../shared/names.js';
import { shellLine } from '../ui/shell-command.js';
import type { TunnelTarget } from './tunnel-target.js';

export interface SessionCommandOptions {
  readonly localPort: number;
  /** The region the stack was read from: the session must start there too. */
  readonly region: string;
  /** Passed on only when the user gave `--profile`; otherwise the AWS CLI resolves it as we did. */
  readonly profile?: string;
}

/** A program and its arguments, run without a shell. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * `aws ssm start-session` forwarding `localPort` on this machine, through the access host, to
 * the database endpoint. The parameters are passed as JSON: no shorthand parsing, no quoting.
 */
export function portForwardingCommand(
  target: TunnelTarget,
  options: SessionCommandOptions,
): Command {
  const parameters = {
    host: [target.endpointAddress],
    portNumber: [String(target.endpointPort)],
    localPortNumber: [String(options.localPort)],
  };
  return {
    command: 'aws',
    args: [
      'ssm',
      'start-session',
      '--target',
      target.instanceId,
      '--document-name',
      PORT_FORWARDING_DOCUMENT,
      '--parameters',
      JSON.stringify(parameters),
      '--region',
      options.region,
      ...(options.profile !== undefined ? ['--profile', options.profile] : []),
    ],
  };
}

/** The command as a POSIX shell line, for people to read or paste. */
export function formatCommand({ command, args }: Command): string {
  return shellLine(command, args);
}
