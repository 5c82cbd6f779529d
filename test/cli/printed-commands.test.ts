import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { AwsSession } from '../../src/cli/aws/session.js';
import type { Progress } from '../../src/cli/ui/progress.js';
import { runTunnel } from '../../src/cli/tunnel/run-tunnel.js';
import {
  describedStack,
  mocks,
  outputsFor,
  resetMocks,
  runCli,
  useFakeCredentials,
} from './verify-fixture.js';

/**
 * "Every printed command works as printed": the commands `start`, `up`, `tunnel`, `info` and
 * error hints print carry the state folder, port, stage, region and profile they need, quoted
 * for the shell. The local ones are run back, word for word, and must act on the same database.
 */

/** Every `npx spendsense-db …` command in a text, up to a closing backtick, quote or parenthesis. */
function printedCommands(text: string): string[] {
  return [...text.matchAll(/npx spendsense-db ((?:[^`\n"'\\)]|'[^']*'|\\.)*)/g)].map((match) =>
    (match[1] ?? '').trim(),
  );
}

/** Splits a command line as a POSIX shell would (the quoting `shellQuote` produces). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] as string;
    if (char === "'") {
      const end = line.indexOf("'", index + 1);
      word = (word ?? '') + line.slice(index + 1, end);
      index = end;
    } else if (char === '\\') {
      word = (word ?? '') + (line[index + 1] ?? '');
      index += 1;
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

let project: string;
let folder: string;
let port: number;
beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'spendsense-printed-'));
  await chmod(project, 0o755);
  // A name with a space and a quote: only commands quoted for the shell survive it.
  folder = path.join(project, "Ana's state");
  port = await findFreePort();
});
afterAll(async () => {
  await runCli(['local', 'stop', '--state-dir', folder]);
  await rm(project, { recursive: true, force: true });
});

describe('local commands print commands that act on the same database', () => {
  test.each([
    [
      'local start',
      () => ['local', 'start', '--state-dir', folder, '--port', String(port)],
      'stdout',
    ],
    ['up', () => ['up', '--state-dir', folder], 'stdout'],
    [
      'local url before a start (hint)',
      () => ['local', 'url', '--state-dir', path.join(folder, 'none')],
      'stderr',
    ],
    [
      'local reset without a terminal (hint)',
      () => ['local', 'reset', '--state-dir', folder],
      'stderr',
    ],
  ] as const)('%s', async (_name, args, stream) => {
    const run = await runCli(args());
    const commands = printedCommands(run[stream]);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const words = shellWords(command);
      const stateDir = words[words.indexOf('--state-dir') + 1];
      expect(words).toContain('--state-dir');
      expect(stateDir === folder || stateDir === path.join(folder, 'none')).toBe(true);
    }
  });

  test('the status command start prints, run word for word, reports this database on its port', async () => {
    const run = await runCli(['local', 'start', '--state-dir', folder]);
    const stop = printedCommands(run.stdout).find((command) => command.startsWith('local stop'));
    expect(stop).toBeDefined();
    const words = shellWords((stop as string).replace('local stop', 'local status --json'));
    const status = await runCli(words);
    expect(status.exitCode).toBe(ExitCode.Ok);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'running', port, stateDir: folder });
  });
});

describe('AWS commands print commands with the stage, region and profile they ran with', () => {
  const profile = 'spendsense-dev';
  let awsFiles: string;
  beforeAll(async () => {
    awsFiles = await mkdtemp(path.join(os.tmpdir(), 'spendsense-aws-'));
    await writeFile(
      path.join(awsFiles, 'credentials'),
      `[${profile}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`,
    );
    await writeFile(path.join(awsFiles, 'config'), `[profile ${profile}]\nregion = eu-west-1\n`);
  });
  afterAll(async () => {
    await rm(awsFiles, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const serveStack = (extra: Record<string, string> = {}): void => {
    resetMocks();
    mocks.cloudFormation
      .on(DescribeStacksCommand, { StackName: 'SpendSense-Database-dev' })
      .resolves({
        Stacks: [
          describedStack('dev', { ...outputsFor('dev', 'eu-west-1'), ...extra }, 'eu-west-1'),
        ],
      });
  };

  test('info --profile: every command names the stage, region and profile', async () => {
    useFakeCredentials();
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(awsFiles, 'credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', path.join(awsFiles, 'config'));
    serveStack({ AccessHostInstanceId: 'i-0a1b2c3d4e5f67890' });
    const run = await runCli(['info', '--stage', 'dev', '--profile', profile, '--json']);
    expect(run.exitCode, run.stderr).toBe(ExitCode.Ok);
    const commands = (JSON.parse(run.stdout).commands as { command: string }[]).map(
      (entry) => entry.command,
    );
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const command of commands) {
      expect(command).toContain('--region eu-west-1 --profile spendsense-dev');
    }
    const stageCommands = commands.filter((command) => / (verify|tunnel) /.test(command));
    expect(stageCommands).toHaveLength(2);
    for (const command of stageCommands) expect(command).toContain('--stage dev');
  });

  test('tunnel --profile: the check, migrate and password commands name the region and profile', async () => {
    serveStack({ AccessHostInstanceId: 'i-0a1b2c3d4e5f67890' });
    let stdout = '';
    const silent: Progress = { step: (_label, task) => task() };
    await runTunnel(
      { stage: 'dev', region: 'eu-west-1', profile, localPort: 15432 },
      {
        probeTool: async () => ({ state: 'installed', version: '1' }),
        openSession: async () =>
          new AwsSession('eu-west-1', '--region', profile, async () => ({
            accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
            secretAccessKey: 'secret',
          })),
        isPortFree: async () => true,
        runSession: async () => ({ exitCode: 0, signal: null }),
        caBundlePath: path.join(project, 'rds-ca-bundle.pem'),
        progress: silent,
        stdout: {
          write: (chunk: string) => ((stdout += chunk), true),
        } as unknown as NodeJS.WritableStream,
        stderr: { write: () => true } as unknown as NodeJS.WritableStream,
      },
    );
    const commands = printedCommands(stdout);
    expect(commands).toEqual([
      'check --secret-id spendsense/dev/database/credentials --region eu-west-1 --profile spendsense-dev --hostaddr 127.0.0.1 --port 15432',
      'migrate status --stage dev --region eu-west-1 --profile spendsense-dev --port 15432',
    ]);
    expect(stdout).toContain(
      'aws secretsmanager get-secret-value --secret-id spendsense/dev/database/credentials --region eu-west-1 --profile spendsense-dev --query SecretString --output text',
    );
  });
});
