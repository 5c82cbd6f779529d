import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  inject,
  test,
  vi,
} from 'vitest';
import type { CheckReport } from '../../src/cli/check/report.js';
import { AwsSession } from '../../src/cli/aws/session.js';
import type { CliError } from '../../src/cli/exit-codes.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { Progress } from '../../src/cli/ui/progress.js';
import { connectInstructions } from '../../src/cli/tunnel/connect-instructions.js';
import {
  createToolProbe,
  requireTools,
  type ToolProbe,
} from '../../src/cli/tunnel/required-tools.js';
import type { SessionEnd } from '../../src/cli/tunnel/run-session.js';
import { runTunnel, type TunnelDependencies } from '../../src/cli/tunnel/run-tunnel.js';
import {
  formatCommand,
  portForwardingCommand,
  type Command,
} from '../../src/cli/tunnel/session-command.js';
import { tunnelTargetFromStack } from '../../src/cli/tunnel/tunnel-target.js';
import type { DeployedStack } from '../../src/cli/aws/deployed-stack.js';
import { allRdsCertificateAuthorities } from '../../src/runtime/tls.js';
import {
  describedStack,
  idsFor,
  mocks,
  outputsFor,
  resetMocks,
  runCli,
  useFakeCredentials,
} from './verify-fixture.js';
import { cliErrorOf } from '../support/cli-output.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'spendsense-tunnel-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const INSTANCE_ID = 'i-0a1b2c3d4e5f67890';
const ids = idsFor('dev', 'eu-west-1');

/** A folder holding fake `aws` / `session-manager-plugin` scripts, to serve as the whole PATH. */
function pathWith(tools: Record<string, string>): string {
  const dir = mkdtempSync(path.join(scratch, 'bin-'));
  for (const [name, script] of Object.entries(tools)) {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}
const AWS_OK = 'echo "aws-cli/2.22.35 Python/3.12.9 Linux/6.1.0 exe/x86_64.ubuntu.24"';
const PLUGIN_OK = 'echo "1.2.764.0"';
const probeOn = (dir: string): ToolProbe => createToolProbe({ env: { PATH: dir } });

describe('required tools, looked up on an injected PATH', () => {
  test('both installed: their versions are returned', async () => {
    const tools = await requireTools(
      probeOn(pathWith({ aws: AWS_OK, 'session-manager-plugin': PLUGIN_OK })),
    );
    expect(tools).toEqual({
      aws: 'aws-cli/2.22.35 Python/3.12.9 Linux/6.1.0 exe/x86_64.ubuntu.24',
      sessionManagerPlugin: '1.2.764.0',
    });
  });

  test('neither installed: exit MissingTool, both named, with the AWS guides and the Debian/Ubuntu lines', async () => {
    const error = await cliErrorOf(
      requireTools(probeOn(pathWith({})), { platform: 'linux', arch: 'x64' }),
    );
    expect(error.exitCode).toBe(ExitCode.MissingTool);
    expect(error.exitCode).toBe(60);
    expect(error.message).toBe(
      'the AWS CLI (`aws`) is not installed; the Session Manager plugin (`session-manager-plugin`) is not installed. `spendsense-db tunnel` starts `aws ssm start-session`, which needs both the AWS CLI and its Session Manager plugin.',
    );
    expect(error.hint).toContain(
      'the AWS CLI (`aws`): see "Installing or updating to the latest version of the AWS CLI", https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
    );
    expect(error.hint).toContain(
      'curl "https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip" -o awscliv2.zip',
    );
    expect(error.hint).toContain(
      'the Session Manager plugin (`session-manager-plugin`): see "Install the Session Manager plugin for the AWS CLI", https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html',
    );
    expect(error.hint).toContain(
      'curl "https://s3.amazonaws.com/session-manager-downloads/plugin/latest/ubuntu_64bit/session-manager-plugin.deb" -o session-manager-plugin.deb',
    );
    expect(error.hint).toContain('sudo dpkg -i session-manager-plugin.deb');
    expect(error.hint).toContain('then check: session-manager-plugin --version');
  });

  test('only the plugin missing, on macOS: only the plugin is named, with its Homebrew cask', async () => {
    const error = await cliErrorOf(
      requireTools(probeOn(pathWith({ aws: AWS_OK })), { platform: 'darwin', arch: 'arm64' }),
    );
    expect(error.message).toMatch(
      /^the Session Manager plugin \(`session-manager-plugin`\) is not installed\./,
    );
    expect(error.hint).toContain('brew install --cask session-manager-plugin');
    expect(error.hint).not.toContain('the AWS CLI (`aws`): see');
  });

  test('on arm64 Linux the arm64 packages are named', async () => {
    const error = await cliErrorOf(
      requireTools(probeOn(pathWith({})), { platform: 'linux', arch: 'arm64' }),
    );
    expect(error.hint).toContain('awscli-exe-linux-aarch64.zip');
    expect(error.hint).toContain('/ubuntu_arm64/session-manager-plugin.deb');
  });

  test('a tool that is installed but fails is reported as broken, with its output', async () => {
    const error = await cliErrorOf(
      requireTools(
        probeOn(
          pathWith({
            aws: AWS_OK,
            'session-manager-plugin': 'echo "plugin: bad interpreter" >&2; exit 3',
          }),
        ),
      ),
    );
    expect(error.exitCode).toBe(ExitCode.MissingTool);
    expect(error.message).toContain(
      'the Session Manager plugin (`session-manager-plugin`) is installed but broken: `session-manager-plugin --version` failed (exit 3): plugin: bad interpreter',
    );
  });
});

describe('the session command', () => {
  const target = { instanceId: INSTANCE_ID, endpointAddress: ids.endpoint, endpointPort: 5432 };

  test('forwards the local port through the host to the endpoint, in the stack region', () => {
    expect(portForwardingCommand(target, { localPort: 15432, region: 'eu-west-1' })).toEqual({
      command: 'aws',
      args: [
        'ssm',
        'start-session',
        '--target',
        INSTANCE_ID,
        '--document-name',
        'AWS-StartPortForwardingSessionToRemoteHost',
        '--parameters',
        `{"host":["${ids.endpoint}"],"portNumber":["5432"],"localPortNumber":["15432"]}`,
        '--region',
        'eu-west-1',
      ],
    });
  });

  test('passes --profile on when one was given', () => {
    const { args } = portForwardingCommand(target, {
      localPort: 15432,
      region: 'eu-west-1',
      profile: 'spendsense-dev',
    });
    expect(args.slice(-4)).toEqual(['--region', 'eu-west-1', '--profile', 'spendsense-dev']);
  });

  test('prints as a shell line that quotes the JSON', () => {
    expect(
      formatCommand(portForwardingCommand(target, { localPort: 15432, region: 'eu-west-1' })),
    ).toBe(
      `aws ssm start-session --target ${INSTANCE_ID} --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '{"host":["${ids.endpoint}"],"portNumber":["5432"],"localPortNumber":["15432"]}' --region eu-west-1`,
    );
  });
});

describe('the tunnel target, from the stack outputs', () => {
  const stack = (outputs: Record<string, string | undefined>): DeployedStack => ({
    name: 'SpendSense-Database-dev',
    id: ids.stackId,
    region: 'eu-west-1',
    status: 'UPDATE_COMPLETE',
    lastUpdated: undefined,
    outputs: Object.fromEntries(
      Object.entries(outputs).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  });

  test('host, endpoint and port', () => {
    expect(
      tunnelTargetFromStack(
        'dev',
        stack({ ...outputsFor('dev', 'eu-west-1'), AccessHostInstanceId: INSTANCE_ID }),
      ),
    ).toEqual({
      instanceId: INSTANCE_ID,
      endpointAddress: ids.endpoint,
      endpointPort: 5432,
    });
  });

  test('no access host output: exit AccessHostNotDeployed, saying how to turn it on', () => {
    let error: unknown;
    try {
      tunnelTargetFromStack('dev', stack(outputsFor('dev', 'eu-west-1')));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      exitCode: ExitCode.AccessHostNotDeployed,
      message:
        'Stack SpendSense-Database-dev has no AccessHostInstanceId output: the dev stage has no access host to forward through.',
    });
    expect((error as CliError).hint).toContain('npx cdk deploy SpendSense-Database-dev');
  });

  test.each([
    [
      { AccessHostInstanceId: 'my-host' },
      'AccessHostInstanceId is "my-host", not an instance id (i-…)',
    ],
    [
      { AccessHostInstanceId: INSTANCE_ID, EndpointPort: 'postgres' },
      'EndpointPort is "postgres", not a port number',
    ],
    [
      { AccessHostInstanceId: INSTANCE_ID, EndpointAddress: undefined },
      'it has no EndpointAddress output',
    ],
  ])('malformed outputs %j are named', (overrides, problem) => {
    expect(() =>
      tunnelTargetFromStack('dev', stack({ ...outputsFor('dev', 'eu-west-1'), ...overrides })),
    ).toThrow(`Stack SpendSense-Database-dev cannot be tunnelled to: ${problem}.`);
  });
});

describe('connect instructions', () => {
  test('a CA bundle in a folder with a space is quoted for libpq inside the shell quotes', () => {
    const text = connectInstructions({
      stage: 'prod',
      region: 'us-east-1',
      target: {
        instanceId: INSTANCE_ID,
        endpointAddress: 'spendsense-prod.c9akciq32xyz.us-east-1.rds.amazonaws.com',
        endpointPort: 5432,
      },
      localPort: 15432,
      caBundlePath: '/home/ana/My Projects/spend$ense/.spendsense/rds-ca-bundle.pem',
    });
    expect(text).toContain(
      "sslrootcert='/home/ana/My Projects/spend\\$ense/.spendsense/rds-ca-bundle.pem'\"",
    );
    expect(text).toContain(
      '--secret-id spendsense/prod/database/credentials --region us-east-1 --hostaddr 127.0.0.1 --port 15432',
    );
  });
});

describe('runTunnel, with DescribeStacks mocked and the session process replaced', () => {
  const silent: Progress = { step: (_label, task) => task() };
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    ({ write: (chunk: string) => (append(chunk), true) }) as unknown as NodeJS.WritableStream;
  const started: Command[] = [];
  let sessionEnd: SessionEnd = { exitCode: 0, signal: null };
  const caBundlePath = path.join(scratch, 'state', 'rds-ca-bundle.pem');

  const deps = (overrides: Partial<TunnelDependencies> = {}): TunnelDependencies => ({
    probeTool: async (command) => ({
      state: 'installed',
      version: command === 'aws' ? 'aws-cli/2.22.35' : '1.2.764.0',
    }),
    openSession: async () =>
      new AwsSession('eu-west-1', '--region', undefined, async () => ({
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'secret',
      })),
    isPortFree: async () => true,
    runSession: async (command) => {
      started.push(command);
      return sessionEnd;
    },
    caBundlePath,
    progress: silent,
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    ...overrides,
  });

  const serveStack = (extra: Record<string, string | undefined>) =>
    mocks.cloudFormation
      .on(DescribeStacksCommand, { StackName: 'SpendSense-Database-dev' })
      .resolves({
        Stacks: [
          describedStack('dev', { ...outputsFor('dev', 'eu-west-1'), ...extra }, 'eu-west-1'),
        ],
      });

  beforeEach(() => {
    resetMocks();
    stdout = '';
    stderr = '';
    started.length = 0;
    sessionEnd = { exitCode: 0, signal: null };
  });

  test('starts the port-forwarding session to the endpoint through the host', async () => {
    serveStack({ AccessHostInstanceId: INSTANCE_ID });
    await runTunnel({ stage: 'dev', region: 'eu-west-1', localPort: 15432 }, deps());
    expect(mocks.cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(started).toEqual([
      portForwardingCommand(
        { instanceId: INSTANCE_ID, endpointAddress: ids.endpoint, endpointPort: 5432 },
        { localPort: 15432, region: 'eu-west-1' },
      ),
    ]);
    expect(stderr).toContain(`running: aws ssm start-session --target ${INSTANCE_ID} `);
  });

  test('prints a psql command that connects to 127.0.0.1 and verifies the endpoint name', async () => {
    serveStack({ AccessHostInstanceId: INSTANCE_ID });
    await runTunnel({ stage: 'dev', region: 'eu-west-1', localPort: 15500 }, deps());
    expect(stdout).toContain(
      `psql "host=${ids.endpoint} hostaddr=127.0.0.1 port=15500 dbname=spendsense user=spendsense_admin sslmode=verify-full sslrootcert=${caBundlePath}"`,
    );
    expect(stdout).toContain(
      'export PGPASSWORD="$(aws secretsmanager get-secret-value --secret-id spendsense/dev/database/credentials --region eu-west-1 --query SecretString --output text | jq -r .password)"',
    );
    expect(stdout).toContain(
      'npx spendsense-db check --secret-id spendsense/dev/database/credentials --region eu-west-1 --hostaddr 127.0.0.1 --port 15500',
    );
    expect(stdout).not.toMatch(/sslmode=(disable|allow|prefer|require)\b/);
  });

  describe('the printed check command, run through a forwarded port to the real PostgreSQL 15', () => {
    const postgres = inject('postgres');
    let forwarder: net.Server;
    let localPort: number;

    // Stands in for the Session Manager plugin: 127.0.0.1:<local port> to the database.
    beforeAll(async () => {
      forwarder = net.createServer((socket) => {
        const upstream = net.connect(postgres.port, '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
      localPort = (forwarder.address() as net.AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => forwarder.close(() => resolve())));

    /** Runs the tunnel for a stack whose endpoint is `endpoint`, then the check it prints. */
    async function checkAsPrinted(endpoint: string) {
      serveStack({ AccessHostInstanceId: INSTANCE_ID, EndpointAddress: endpoint });
      mocks.secretsManager
        .on(GetSecretValueCommand, { SecretId: 'spendsense/dev/database/credentials' })
        .resolves({
          Name: 'spendsense/dev/database/credentials',
          // The credentials secret once RDS attached it: the instance endpoint, never a proxy.
          SecretString: JSON.stringify({
            username: postgres.user,
            password: postgres.password,
            engine: 'postgres',
            host: endpoint,
            port: 5432,
            dbname: postgres.database,
            dbInstanceIdentifier: 'spendsense-dev',
          }),
          VersionStages: ['AWSCURRENT'],
        });
      await runTunnel({ stage: 'dev', region: 'eu-west-1', localPort }, deps());
      const printed = /npx spendsense-db (check .*)$/m.exec(stdout)?.[1];
      expect(printed).toBeDefined();
      // The local server's CA, which RDS endpoints do not need.
      return runCli([...(printed as string).split(' '), '--ca', postgres.caPath, '--json']);
    }

    test('an endpoint name the certificate carries: every stage passes through the tunnel', async () => {
      // `localhost` plays the endpoint: the local server certificate names it.
      const run = await checkAsPrinted('localhost');
      expect(run.exitCode).toBe(ExitCode.Ok);
      const report = JSON.parse(run.stdout) as CheckReport;
      expect(report.url).toBe(
        `postgresql://spendsense_admin:****@localhost:${localPort}/spendsense?hostaddr=127.0.0.1`,
      );
      expect(report.stages.find((stage) => stage.stage === 'tls')?.detail).toContain(
        'certificate verified for localhost (via 127.0.0.1)',
      );
      expect(run.stdout + run.stderr).not.toContain(postgres.password);
    });

    test('an endpoint name the certificate does not carry: rejected (24), verification stays on', async () => {
      const run = await checkAsPrinted(ids.endpoint);
      expect(run.exitCode).toBe(ExitCode.CertificateRejected);
      expect(run.stderr).toContain(
        `error: The server certificate is not valid for host ${ids.endpoint} (connected through 127.0.0.1)`,
      );
      expect(run.stdout + run.stderr).not.toContain(postgres.password);
    });
  });

  test('writes the RDS CAs it trusts for psql', async () => {
    serveStack({ AccessHostInstanceId: INSTANCE_ID });
    await runTunnel({ stage: 'dev', region: 'eu-west-1', localPort: 15432 }, deps());
    const bundle = readFileSync(caBundlePath, 'utf8');
    expect(bundle.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(
      allRdsCertificateAuthorities.length,
    );
  });

  test('a session the user ends with Ctrl-C is not a failure', async () => {
    serveStack({ AccessHostInstanceId: INSTANCE_ID });
    sessionEnd = { exitCode: null, signal: 'SIGINT' };
    await expect(
      runTunnel({ stage: 'dev', region: 'eu-west-1', localPort: 15432 }, deps()),
    ).resolves.toBeUndefined();
  });

  test('a session that fails: exit TunnelFailed with the likely causes', async () => {
    serveStack({ AccessHostInstanceId: INSTANCE_ID });
    sessionEnd = { exitCode: 254, signal: null };
    const error = await cliErrorOf(
      runTunnel({ stage: 'dev', region: 'eu-west-1', localPort: 15432 }, deps()),
    );
    expect(error.exitCode).toBe(ExitCode.TunnelFailed);
    expect(error.message).toBe(
      '`aws ssm start-session` ended with exit code 254; its own message above says why.',
    );
    expect(error.hint).toMatch(/^TargetNotConnected: .* AccessDeniedException: /);
  });

  test('a stack without an access host: exit AccessHostNotDeployed, no session', async () => {
    serveStack({});
    const error = await cliErrorOf(
      runTunnel({ stage: 'dev', region: 'eu-west-1', localPort: 15432 }, deps()),
    );
    expect(error.exitCode).toBe(ExitCode.AccessHostNotDeployed);
    expect(started).toEqual([]);
  });

  test('a local port in use: exit LocalPortInUse before any AWS call', async () => {
    serveStack({ AccessHostInstanceId: INSTANCE_ID });
    const error = await cliErrorOf(
      runTunnel(
        { stage: 'dev', region: 'eu-west-1', localPort: 15432 },
        deps({ isPortFree: async () => false }),
      ),
    );
    expect(error).toMatchObject({
      exitCode: ExitCode.LocalPortInUse,
      message: 'Local port 15432 is already in use on 127.0.0.1.',
    });
    expect(mocks.cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  test('missing tools: exit MissingTool before any AWS call', async () => {
    serveStack({ AccessHostInstanceId: INSTANCE_ID });
    const error = await cliErrorOf(
      runTunnel(
        { stage: 'dev', region: 'eu-west-1', localPort: 15432 },
        deps({ probeTool: probeOn(pathWith({})) }),
      ),
    );
    expect(error.exitCode).toBe(ExitCode.MissingTool);
    expect(mocks.cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
    expect(started).toEqual([]);
  });
});

describe('spendsense-db tunnel, as a user runs it', () => {
  beforeEach(() => {
    useFakeCredentials();
    resetMocks();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  test('--help describes the command', async () => {
    const { exitCode, stdout } = await runCli(['tunnel', '--help']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Usage: spendsense-db tunnel [options]');
    expect(stdout).toContain('--local-port <port>');
    expect(stdout).toContain('AWS-StartPortForwardingSessionToRemoteHost');
  });

  test('without the AWS CLI on the PATH: exit 60 and what to install, without calling AWS', async () => {
    const empty = path.join(scratch, 'empty-path');
    mkdirSync(empty, { recursive: true });
    vi.stubEnv('PATH', empty);
    const { exitCode, stderr } = await runCli(['tunnel', '--stage', 'dev']);
    expect(exitCode).toBe(60);
    expect(stderr).toContain(
      'error: the AWS CLI (`aws`) is not installed; the Session Manager plugin (`session-manager-plugin`) is not installed.',
    );
    expect(stderr).toContain(
      'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html',
    );
    expect(mocks.cloudFormation.calls()).toHaveLength(0);
  });

  test.each([
    [['tunnel'], "error: required option '--stage <stage>' not specified"],
    [['tunnel', '--stage', 'qa'], 'error: --stage: got "qa"; allowed: one of dev, prod'],
    [
      ['tunnel', '--stage', 'dev', '--local-port', '80'],
      'error: --local-port: got "80"; allowed: a decimal integer from 1024 to 65535 (ports below 1024 need root).',
    ],
  ])('%j is a usage error', async (args, message) => {
    const { exitCode, stderr } = await runCli(args);
    expect(exitCode).toBe(ExitCode.Usage);
    expect(stderr).toContain(message);
  });
});

describe('runSession, the real process runner', () => {
  test('reports the exit code of the command and releases its signal handlers', async () => {
    const { runSession } = await import('../../src/cli/tunnel/run-session.js');
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const end = await runSession({ command: process.execPath, args: ['-e', 'process.exit(3)'] });
    expect(end).toEqual({ exitCode: 3, signal: null });
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });

  test('rejects with ENOENT when the program does not exist', async () => {
    const { runSession } = await import('../../src/cli/tunnel/run-session.js');
    await expect(
      runSession({ command: path.join(scratch, 'no-such-aws'), args: [] }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
