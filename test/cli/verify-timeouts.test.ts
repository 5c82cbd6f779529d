import { createServer, type Server, type Socket } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { classifyAwsError, toAwsCliError } from '../../src/cli/aws/errors.js';
import { bounded, openAwsSession } from '../../src/cli/aws/session.js';
import { TimeoutError, withTimeout } from '../../src/cli/aws/timeout.js';
import { ExitCode } from '../../src/cli/exit-codes.js';

/** A local "AWS endpoint" that accepts connections and never answers. */
let server: Server;
const sockets = new Set<Socket>();
let endpoint: string;

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  vi.unstubAllEnvs();
});

test('an AWS call to an endpoint that never answers ends at the bound and maps to exit 22', async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
  const session = await openAwsSession({});
  const started = performance.now();
  try {
    const client = session.client(CloudFormationClient, 300);
    const error = await client
      .send(new DescribeStacksCommand({ StackName: 'SpendSense-Database-dev' }), bounded(1_500))
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    const elapsed = performance.now() - started;

    expect(error).toBeDefined();
    expect(classifyAwsError(error).kind).toBe('timeout');
    expect(toAwsCliError(error, { region: session.region }).exitCode).toBe(ExitCode.NoAnswer);
    // Two attempts of 300 ms (plus the SDK's retry delay) or the 1.5 s bound, whichever is first.
    expect(elapsed).toBeLessThan(2_500);
  } finally {
    session.close();
  }
});

test('withTimeout rejects with a TimeoutError naming the wait, and clears its timer', async () => {
  const never = new Promise<never>(() => undefined);
  const error = await withTimeout(never, 50, 'Resolving AWS credentials').catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TimeoutError);
  expect((error as Error).message).toBe('Resolving AWS credentials did not finish within 50 ms');
  await expect(withTimeout(Promise.resolve(7), 50, 'x')).resolves.toBe(7);
});
