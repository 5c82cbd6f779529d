import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root.js';
import type { Stage } from '../../shared/names.js';
import type { StackOptions } from '../aws/stack-options.js';
import { withDeployedStack } from '../aws/with-deployed-stack.js';
import { createProgress, type Progress } from '../ui/progress.js';
import { describeEnvironment } from './environment.js';
import { formatMarkdown } from './format-markdown.js';
import { formatText } from './format-text.js';

/** Where `--markdown` writes a stage's page unless `--output` says otherwise. */
export const environmentPagePath = (stage: Stage): string =>
  path.join(PROJECT_ROOT, 'docs', 'environments', `${stage}.md`);

export type InfoFormat = 'text' | 'json' | 'markdown';

export interface InfoOptions extends StackOptions {
  readonly format: InfoFormat;
  /**
   * With `markdown`: the file to write, or `-` for stdout.
   * @default - docs/environments/<stage>.md in the project
   */
  readonly output?: string;
  /** @default - progress on stderr */
  readonly progress?: Progress;
  /** @default process.stdout */
  readonly stdout?: NodeJS.WritableStream;
  /** @default process.stderr */
  readonly stderr?: NodeJS.WritableStream;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** `spendsense-db info`: the deployed stage's endpoint, secrets, links and commands. */
export async function runInfo(options: InfoOptions): Promise<void> {
  const progress = options.progress ?? createProgress();
  const stdout = options.stdout ?? process.stdout;
  await withDeployedStack(options, progress, async (stack) => {
    // The page is shared: the profile, personal, is named only in what this user sees.
    const info = describeEnvironment(
      options.stage,
      stack,
      options.format === 'markdown' || options.profile === undefined
        ? {}
        : { profile: options.profile },
    );
    if (options.format === 'json') {
      stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    } else if (options.format === 'text') {
      stdout.write(formatText(info));
    } else {
      const page = formatMarkdown(info, (options.now ?? (() => new Date()))());
      const target = options.output ?? environmentPagePath(options.stage);
      if (target === '-') {
        stdout.write(page);
      } else {
        await mkdir(path.dirname(path.resolve(target)), { recursive: true });
        await writeFile(target, page, 'utf8');
        (options.stderr ?? process.stderr).write(
          `wrote ${path.relative(process.cwd(), path.resolve(target)) || target}\n`,
        );
      }
    }
  });
}
