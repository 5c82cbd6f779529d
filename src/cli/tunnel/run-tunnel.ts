import type { openAwsSession } from '../aws/session.js';
import type { StackOptions } from '../aws/stack-options.js';
import { withDeployedStack } from '../aws/with-deployed-stack.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { isPortFree } from '../local/ports.js';
import { createProgress, type Progress } from '../ui/progress.js';
import { writeRdsCaBundle } from './ca-bundle.js';
import { connectInstructions, TUNNEL_ADDRESS } from './connect-instructions.js';
import { installInstructions } from './install-instructions.js';
import { createToolProbe, requireTools, type ToolProbe } from './required-tools.js';
import { runSession, type SessionEnd, type SessionRunner } from './run-session.js';
import { formatCommand, portForwardingCommand } from './session-command.js';
import { tunnelTargetFromStack } from './tunnel-target.js';

export interface TunnelOptions extends StackOptions {
  /** The port on this machine that forwards to the database. */
  readonly localPort: number;
}

/** What the tunnel touches outside this process; each one replaceable in tests. */
export interface TunnelDependencies {
  /** @default - runs `<tool> --version` on the PATH */
  readonly probeTool?: ToolProbe;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
  /** @default process.arch */
  readonly arch?: string;
  /** @default openAwsSession */
  readonly openSession?: typeof openAwsSession;
  /** @default - binds 127.0.0.1 on the port for a moment */
  readonly isPortFree?: (port: number) => Promise<boolean>;
  /** @default - runs `aws ssm start-session` attached to the terminal */
  readonly runSession?: SessionRunner;
  /** @default DEFAULT_CA_BUNDLE_PATH */
  readonly caBundlePath?: string;
  /** @default - progress on stderr */
  readonly progress?: Progress;
  /** @default process.stdout */
  readonly stdout?: NodeJS.WritableStream;
  /** @default process.stderr */
  readonly stderr?: NodeJS.WritableStream;
}

/**
 * `spendsense-db tunnel`: checks the AWS CLI and its Session Manager plugin, finds the access
 * host and the database endpoint in the stack outputs, prints how to connect through the
 * tunnel with certificate verification on, then runs the port-forwarding session until it ends.
 */
export async function runTunnel(
  options: TunnelOptions,
  deps: TunnelDependencies = {},
): Promise<void> {
  const progress = deps.progress ?? createProgress();
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const platform = deps.platform ?? process.platform;
  const arch = deps.arch ?? process.arch;

  // Offline checks first: without the tools, nothing else is worth an AWS call.
  const tools = await progress.step('Checking the AWS CLI and the Session Manager plugin', () =>
    requireTools(deps.probeTool ?? createToolProbe(), { platform, arch }),
  );
  stderr.write(`using ${tools.aws}; session-manager-plugin ${tools.sessionManagerPlugin}\n`);
  const portFree = deps.isPortFree ?? ((port: number) => isPortFree(port, [TUNNEL_ADDRESS]));
  if (!(await portFree(options.localPort))) {
    throw new CliError(
      `Local port ${options.localPort} is already in use on ${TUNNEL_ADDRESS}.`,
      ExitCode.LocalPortInUse,
      `Pick another with --local-port (for example --local-port ${options.localPort === 65535 ? 15433 : options.localPort + 1}).`,
    );
  }

  // The session is closed before the tunnel opens: the AWS CLI holds its own.
  const { target, stackRegion } = await withDeployedStack(
    options,
    progress,
    (stack) => ({
      target: tunnelTargetFromStack(options.stage, stack),
      stackRegion: stack.region,
    }),
    deps.openSession,
  );

  const caBundlePath = await writeRdsCaBundle(deps.caBundlePath);
  const command = portForwardingCommand(target, {
    localPort: options.localPort,
    region: stackRegion,
    ...(options.profile !== undefined && { profile: options.profile }),
  });
  stdout.write(
    connectInstructions({
      stage: options.stage,
      region: stackRegion,
      target,
      localPort: options.localPort,
      caBundlePath,
      ...(options.profile !== undefined && { profile: options.profile }),
    }),
  );
  stderr.write(`running: ${formatCommand(command)}\n`);

  let end: SessionEnd;
  try {
    end = await (deps.runSession ?? runSession)(command);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(
        'The AWS CLI (`aws`) disappeared from the PATH.',
        ExitCode.MissingTool,
        installInstructions('aws', platform, arch),
        {
          cause: error,
        },
      );
    }
    throw new CliError(
      `\`aws ssm start-session\` could not be started: ${(error as Error).message}`,
      ExitCode.TunnelFailed,
      'Check that `aws --version` runs in this shell; reinstall the AWS CLI if it does not.',
      {
        cause: error,
      },
    );
  }
  if (endedNormally(end)) return;
  throw new CliError(
    `\`aws ssm start-session\` ended with ${end.signal !== null ? `signal ${end.signal}` : `exit code ${end.exitCode}`}; its own message above says why.`,
    ExitCode.TunnelFailed,
    'TargetNotConnected: the access host has not registered with Systems Manager yet (give it a few minutes after a deploy) or is stopped. ' +
      'AccessDeniedException: your identity needs ssm:StartSession on the host with the AWS-StartPortForwardingSessionToRemoteHost document (docs/operations.md, "Private access from a laptop").',
  );
}

/** Closed by the user (Ctrl-C reaches the AWS CLI too) or by Session Manager: not a failure. */
function endedNormally(end: SessionEnd): boolean {
  return (
    end.exitCode === 0 ||
    end.exitCode === 130 ||
    end.signal === 'SIGINT' ||
    end.signal === 'SIGTERM'
  );
}
