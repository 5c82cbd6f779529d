import { CliError, ExitCode } from '../exit-codes.js';
import { runBounded } from '../run-bounded.js';
import { installInstructions, TOOL_NAMES, type RequiredTool } from './install-instructions.js';

/** What running `<tool> --version` showed. */
export type ToolProbeResult =
  | { readonly state: 'installed'; readonly version: string }
  | { readonly state: 'missing' }
  | { readonly state: 'broken'; readonly detail: string };

/** Runs `command args` and reports whether it ran; injected in tests. */
export type ToolProbe = (command: string, args: readonly string[]) => Promise<ToolProbeResult>;

export interface ToolProbeOptions {
  /** Where commands are looked up (its `PATH`). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default 10000 */
  readonly timeoutMillis?: number;
}

/** `aws --version` can take a few seconds on a cold start (Python, or the bundled CLI unpacking). */
const DEFAULT_TIMEOUT_MILLIS = 10_000;

/** A {@link ToolProbe} that really runs the command, looked up on `PATH` as a shell would. */
export function createToolProbe(options: ToolProbeOptions = {}): ToolProbe {
  return async (command, args) => {
    let result;
    try {
      result = await runBounded(command, args, {
        env: options.env ?? process.env,
        timeoutMillis: options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { state: 'missing' };
      return {
        state: 'broken',
        detail: `${command} could not be started (${code ?? (error as Error).message})`,
      };
    }
    const firstLine = result.output.trim().split('\n')[0]?.trim() ?? '';
    if (result.timedOut) {
      return { state: 'broken', detail: `\`${command} ${args.join(' ')}\` did not answer` };
    }
    if (result.exitCode === 0) return { state: 'installed', version: firstLine };
    return {
      state: 'broken',
      detail: `\`${command} ${args.join(' ')}\` failed (exit ${result.exitCode}): ${firstLine}`,
    };
  };
}

export interface InstalledTools {
  /** For example `aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64`. */
  readonly aws: string;
  /** For example `1.2.764.0`. */
  readonly sessionManagerPlugin: string;
}

export interface RequireToolsOptions {
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
  /** @default process.arch */
  readonly arch?: string;
}

/**
 * Checks that the AWS CLI and its Session Manager plugin answer `--version`. When either does
 * not, fails with exit code `MissingTool` and says exactly what to install for this platform.
 */
export async function requireTools(
  probe: ToolProbe,
  options: RequireToolsOptions = {},
): Promise<InstalledTools> {
  const [aws, plugin] = await Promise.all([
    probe('aws', ['--version']),
    probe('session-manager-plugin', ['--version']),
  ]);
  if (aws.state === 'installed' && plugin.state === 'installed') {
    return { aws: aws.version, sessionManagerPlugin: plugin.version };
  }
  const probed: readonly (readonly [RequiredTool, ToolProbeResult])[] = [
    ['aws', aws],
    ['session-manager-plugin', plugin],
  ];
  const problems = probed.filter(([, result]) => result.state !== 'installed');

  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const described = problems.map(([tool, result]) =>
    result.state === 'broken'
      ? `${TOOL_NAMES[tool]} is installed but broken: ${result.detail}`
      : `${TOOL_NAMES[tool]} is not installed`,
  );
  throw new CliError(
    `${described.join('; ')}. \`spendsense-db tunnel\` starts \`aws ssm start-session\`, which needs both the AWS CLI and its Session Manager plugin.`,
    ExitCode.MissingTool,
    [
      'install what is missing, then run the tunnel again:',
      ...problems.map(([tool]) => installInstructions(tool, platform, arch)),
    ].join('\n\n'),
  );
}
