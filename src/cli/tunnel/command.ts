import type { Command } from 'commander';
import { addStackOptions } from '../aws/stack-flags.js';
import { parseIntegerFlag } from '../integer-flag.js';

interface TunnelFlags {
  readonly stage?: string;
  readonly localPort: string;
  readonly region?: string;
  readonly profile?: string;
}

/** Not 5432 or the local database's 5433: a PostgreSQL on this machine keeps its port. */
export const DEFAULT_TUNNEL_PORT = 15432;

const LOCAL_PORT_RANGE = {
  min: 1024,
  max: 65535,
  example: DEFAULT_TUNNEL_PORT,
  note: '(ports below 1024 need root)',
};

export function registerTunnelCommand(program: Command): void {
  addStackOptions(
    program
      .command('tunnel')
      .description(
        "forward a local port to the private database through the stage's access host (AWS Systems Manager), with TLS verification kept on",
      ),
  )
    .option(
      '--local-port <port>',
      'the port on this machine (1024-65535)',
      String(DEFAULT_TUNNEL_PORT),
    )
    .addHelpText(
      'after',
      [
        '',
        'Needs the AWS CLI and its Session Manager plugin (the command says how to install what is',
        'missing), cloudformation:DescribeStacks, and ssm:StartSession on the access host with the',
        'AWS-StartPortForwardingSessionToRemoteHost document. Prints the psql and check commands',
        'that work through the tunnel, then keeps it open until Ctrl-C.',
        'Exit codes: see docs/cli.md (60 missing tool, 61 no access host, 62 session failed).',
      ].join('\n'),
    )
    .action(async (flags: TunnelFlags) => {
      const { parseStackOptions } = await import('../aws/stack-options.js');
      const options = parseStackOptions(flags);
      const localPort = parseIntegerFlag('--local-port', flags.localPort, LOCAL_PORT_RANGE);
      const { runTunnel } = await import('./run-tunnel.js');
      await runTunnel({ ...options, localPort });
    });
}
