import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_ROOT } from '../project-root.js';
import { STAGES, stackName, type Stage } from '../../shared/names.js';
import {
  TemplateFormatError,
  parseTemplate,
  type CloudFormationTemplate,
} from '../aws/cloudformation-template.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { runBounded } from '../run-bounded.js';
import type { Progress } from '../ui/progress.js';
import { cliCommand } from '../ui/shell-command.js';
import { ManifestError, readStackArtifact, type StackArtifact } from './cloud-assembly.js';

/** A synth bundles the probe with esbuild and runs three compliance packs: allow minutes. */
export const SYNTH_TIMEOUT_MILLIS = 5 * 60_000;

/** Where `cdk synth` writes the cloud assembly (cdk.json's `output`). */
const DEFAULT_CDK_OUT = path.join(PACKAGE_ROOT, 'cdk.out');

/** Where `cdk synth` writes a stage's template. */
export const synthesizedTemplatePath = (stage: Stage): string =>
  path.join(DEFAULT_CDK_OUT, `${stackName(stage)}.template.json`);

/** What the estimate is computed from, and what the user should know about it. */
export interface LoadedTemplate {
  readonly path: string;
  readonly template: CloudFormationTemplate;
  /** Set when the template may not reflect the current code. */
  readonly staleNote?: string;
}

export interface TemplateSourceOptions {
  readonly stage: Stage;
  /** An explicit template file: used as is, never synthesized. */
  readonly templatePath?: string;
  /** Synthesize even when cdk.out already holds the template. */
  readonly synth: boolean;
  readonly progress: Progress;
}

/**
 * The template to price: `--template`, else `cdk.out/<stack>.template.json`, synthesized first
 * (offline, no AWS credentials) when it is missing or `--synth` asks for it.
 */
export async function loadTemplate(options: TemplateSourceOptions): Promise<LoadedTemplate> {
  if (options.templatePath !== undefined) {
    const template = await readTemplate(options.templatePath);
    assertTemplateOfStage(template, options.templatePath, options.stage);
    return { path: options.templatePath, template };
  }
  const file = synthesizedTemplatePath(options.stage);
  const modified = await modifiedMillis(file);
  if (options.synth || modified === undefined) {
    await options.progress.step(
      `Synthesizing ${stackName(options.stage)} (npx cdk synth, offline; up to a minute)`,
      () => synthesize(options.stage),
    );
    return { path: file, template: await readTemplate(file) };
  }
  const newest = await newestSourceMillis();
  return {
    path: file,
    template: await readTemplate(file),
    ...(newest > modified && {
      staleNote: `${path.relative(process.cwd(), file)} is older than the infrastructure code; pass --synth to price the current code.`,
    }),
  };
}

/**
 * The stage a template was synthesized for, from the `Stage` tag the stack puts on every
 * taggable resource (and, failing that, the stack description); undefined when it says none.
 */
export function templateStage(template: CloudFormationTemplate): Stage | undefined {
  const found = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    const tags = resource.Properties?.Tags;
    if (Array.isArray(tags)) {
      for (const tag of tags as { Key?: unknown; Value?: unknown }[]) {
        if (tag?.Key === STAGE_TAG && typeof tag.Value === 'string') found.add(tag.Value);
      }
    } else if (typeof tags === 'object' && tags !== null) {
      const value = (tags as Record<string, unknown>)[STAGE_TAG];
      if (typeof value === 'string') found.add(value);
    }
  }
  const description = typeof template.Description === 'string' ? template.Description : '';
  const described = /^SpendSense (\S+) /.exec(description)?.[1];
  if (found.size === 0 && described !== undefined) found.add(described);
  const [only] = found;
  return found.size === 1 && (STAGES as readonly string[]).includes(only as string)
    ? (only as Stage)
    : undefined;
}

/** The tag the database stack puts on its resources (`tags` in src/infra/stack/database-stack.ts). */
const STAGE_TAG = 'Stage';

/** `--template` must be the template of the stage asked for: pricing prod's as dev's misleads. */
function assertTemplateOfStage(template: CloudFormationTemplate, file: string, stage: Stage): void {
  const found = templateStage(template);
  if (found === undefined || found === stage) return;
  throw new CliError(
    `--template ${file} is the ${found} stage's template (${stackName(found)}), not ${stage}'s.`,
    ExitCode.Usage,
    `Price it as what it is (\`${cliCommand(['cost', '--stage', found, '--template', file])}\`), or leave out --template to synthesize ${stage}.`,
  );
}

async function readTemplate(file: string): Promise<CloudFormationTemplate> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `Cannot read the template ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
      ExitCode.TemplateUnavailable,
      'Give the path of a synthesized template (cdk.out/<stack>.template.json), or leave out --template to synthesize one.',
      { cause: error },
    );
  }
  return parseOrExplain(text, file);
}

function parseOrExplain(text: string, file: string): CloudFormationTemplate {
  try {
    return parseTemplate(text);
  } catch (error) {
    if (!(error instanceof TemplateFormatError)) throw error;
    throw new CliError(
      `The template ${file} is ${error.message}.`,
      ExitCode.TemplateUnavailable,
      'Give a template `cdk synth` wrote (cdk.out/<stack>.template.json), or leave out --template to synthesize one.',
    );
  }
}

/** A stage as `cdk deploy` would deploy it: its template, and its artifact of the manifest. */
export interface SynthesizedStage {
  readonly templatePath: string;
  /** The template as written: what `cdk deploy` uploads. */
  readonly templateText: string;
  readonly template: CloudFormationTemplate;
  readonly artifact: StackArtifact;
}

export interface SynthesizedStageOptions {
  readonly stage: Stage;
  /** The region to synthesize for: the region the stage is about to be deployed to. */
  readonly region: string;
  /** A cloud assembly to read as is (`cdk synth -o DIR`); never synthesized. */
  readonly cdkOutDir?: string;
  readonly progress: Progress;
}

/**
 * The stage as the next `cdk deploy` would see it: `cdk.out`, synthesized again (offline) when
 * it is missing, older than the infrastructure code, or made for another region; or the cloud
 * assembly in `cdkOutDir`, read as is.
 */
export async function loadSynthesizedStage(
  options: SynthesizedStageOptions,
): Promise<SynthesizedStage> {
  const name = stackName(options.stage);
  const dir = options.cdkOutDir ?? DEFAULT_CDK_OUT;
  if (options.cdkOutDir === undefined) {
    const current = await readAssembly(dir, name).catch(() => undefined);
    const modified = current === undefined ? undefined : await modifiedMillis(current.templatePath);
    const stale =
      current === undefined ||
      modified === undefined ||
      current.artifact.region !== options.region ||
      (await newestSourceMillis()) > modified;
    if (!stale) return current;
    await options.progress.step(
      `Synthesizing ${name} for ${options.region} (npx cdk synth, offline; up to a minute)`,
      () =>
        synthesize(options.stage, {
          AWS_REGION: options.region,
          AWS_DEFAULT_REGION: options.region,
        }),
    );
  }
  return readAssembly(dir, name);
}

async function readAssembly(dir: string, name: string): Promise<SynthesizedStage> {
  const manifestPath = path.join(dir, 'manifest.json');
  let artifact: StackArtifact;
  try {
    artifact = readStackArtifact(await readFile(manifestPath, 'utf8'), name);
  } catch (error) {
    const reason =
      error instanceof ManifestError
        ? error.message
        : `${(error as NodeJS.ErrnoException).code ?? 'error'} reading ${manifestPath}`;
    throw new CliError(
      `Cannot read the cloud assembly in ${dir}: ${reason}.`,
      ExitCode.TemplateUnavailable,
      `Synthesize it first (\`npx cdk synth ${name}\`), or leave out --cdk-out to let preflight synthesize.`,
      { cause: error },
    );
  }
  const templatePath = path.join(dir, artifact.templateFile);
  const templateText = await readFile(templatePath, 'utf8').catch((error: unknown) => {
    throw new CliError(
      `Cannot read the template ${templatePath}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
      ExitCode.TemplateUnavailable,
      `Synthesize it again: \`npx cdk synth ${name}\`.`,
      { cause: error },
    );
  });
  return {
    templatePath,
    templateText,
    template: parseOrExplain(templateText, templatePath),
    artifact,
  };
}

/** Runs the project's own CDK CLI; its stderr tail explains a failure (a config error, say). */
async function synthesize(stage: Stage, env: Readonly<Record<string, string>> = {}): Promise<void> {
  const cdk = path.join(PACKAGE_ROOT, 'node_modules', '.bin', 'cdk');
  let result;
  try {
    result = await runBounded(cdk, ['synth', stackName(stage), '--quiet', '--no-notices'], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, ...env },
      timeoutMillis: SYNTH_TIMEOUT_MILLIS,
      maxOutputChars: 4000,
    });
  } catch (error) {
    throw new CliError(
      `Cannot run ${cdk}: ${(error as Error).message}.`,
      ExitCode.TemplateUnavailable,
      'Run `npm ci` first.',
      { cause: error },
    );
  }
  if (result.exitCode === 0) return;
  const reason = result.timedOut
    ? `did not finish within ${SYNTH_TIMEOUT_MILLIS / 1000} s`
    : `exited with ${result.exitCode}`;
  const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
  throw new CliError(
    `npx cdk synth ${stackName(stage)} ${reason}${tail === '' ? '.' : `:\n${tail}`}`,
    ExitCode.TemplateUnavailable,
    'Fix what synth reports, or price an existing template with --template FILE.',
  );
}

async function modifiedMillis(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest modification among the files a synth reads (app entry, infra, shared, cdk.json). */
async function newestSourceMillis(): Promise<number> {
  const roots = ['bin', 'src/infra', 'src/shared', 'src/lambda', 'src/runtime', 'cdk.json'];
  let newest = 0;
  const visit = async (entry: string): Promise<void> => {
    const info = await stat(entry).catch(() => undefined);
    if (info === undefined) return;
    if (info.isDirectory()) {
      for (const child of await readdir(entry)) await visit(path.join(entry, child));
    } else {
      newest = Math.max(newest, info.mtimeMs);
    }
  };
  for (const root of roots) await visit(path.join(PACKAGE_ROOT, root));
  return newest;
}
