import { stackName } from '../../shared/names.js';
import type { Progress } from '../ui/progress.js';
import { readDeployedStack, type DeployedStack } from './deployed-stack.js';
import { openAwsSession, type AwsSession } from './session.js';
import type { StackOptions } from './stack-options.js';

/**
 * What every command that reads a deployed stage starts with: resolve credentials and region,
 * read the stage's stack (each step shown as progress), then run `use` with both. The session's
 * clients are released when `use` ends, whether it succeeds or fails.
 * @param openSession replaceable in tests
 */
export async function withDeployedStack<T>(
  options: StackOptions,
  progress: Progress,
  use: (stack: DeployedStack, session: AwsSession) => Promise<T> | T,
  openSession: typeof openAwsSession = openAwsSession,
): Promise<T> {
  const session = await progress.step('Resolving AWS credentials and region', () =>
    openSession(options),
  );
  try {
    const stack = await progress.step(
      `Reading stack ${stackName(options.stage)} in ${session.region} (from ${session.regionSource})`,
      () => readDeployedStack(session, options.stage),
    );
    return await use(stack, session);
  } finally {
    session.close();
  }
}
