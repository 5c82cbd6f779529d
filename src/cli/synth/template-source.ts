import { spawn } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stackName, type Stage } from '../../shared/names.js';
import {
  TemplateFormatError,
  parseTemplate,
  type CloudFormationTemplate,
} from '../aws/cloudformation-template.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Progress } from '../ui/progress.js';
import { ManifestError, readStackArtifact, type StackArtifact } from './cloud-assembly.js';

/** The project root: three levels above this file (src/cli/synth). */
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A synth bundles the probe with esbuild and runs three compliance packs: allow minutes. */
export const SYNTH_TIMEOUT_MILLIS = 5 * 60_000;

/** Where `cdk synth` writes the cloud assembly (cdk.json's `output`). */
const DEFAULT_CDK_OUT = path.join(PROJECT_ROOT, 'cdk.out');

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
    return { path: options.templatePath, template: await readTemplate(options.templatePath) };
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
    throw new CliError(`The template ${file} is ${error.message}.`, ExitCode.TemplateUnavailable);
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
function synthesize(stage: Stage, env: Readonly<Record<string, string>> = {}): Promise<void> {
  const cdk = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
  return new Promise((resolve, reject) => {
    const child = spawn(cdk, ['synth', stackName(stage), '--quiet', '--no-notices'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: SYNTH_TIMEOUT_MILLIS,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error) =>
      reject(
        new CliError(
          `Cannot run ${cdk}: ${error.message}.`,
          ExitCode.TemplateUnavailable,
          'Run `npm ci` first.',
          {
            cause: error,
          },
        ),
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const reason =
        signal === 'SIGKILL'
          ? `did not finish within ${SYNTH_TIMEOUT_MILLIS / 1000} s`
          : `exited with ${code}`;
      const tail = stderr.trim().split('\n').slice(-15).join('\n');
      reject(
        new CliError(
          `npx cdk synth ${stackName(stage)} ${reason}${tail === '' ? '.' : `:\n${tail}`}`,
          ExitCode.TemplateUnavailable,
          'Fix what synth reports, or price an existing template with --template FILE.',
        ),
      );
    });
  });
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
  for (const root of roots) await visit(path.join(PROJECT_ROOT, root));
  return newest;
}
