/**
 * `npm run build`, also run as `prepare` by `npm ci`, `npm install` and a git-dependency install
 * of this package. Writes dist/ (git-ignored) from src/:
 *
 * - dist/cli: the `spendsense-db` command, bundled with esbuild (see cli-bundle.ts);
 * - dist/runtime and dist/shared: the runtime module and the shared names, compiled file by file
 *   by tsc with their type declarations, for `spendsense-database/runtime` and `/names`.
 *
 * Tests and benchmarks run the TypeScript sources and are never built. The stamp written last
 * (bin/build-state.js) lets bin/spendsense-db.js tell a current build from a stale one.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { BUILD_STAMP, PACKAGE_ROOT } from '../bin/build-state.js';
import { cliBundleOptions, unexpectedInputs } from './cli-bundle.js';

/** Files the command reads beside its code at run time, through `new URL('./…', import.meta.url)`. */
const CLI_ASSETS = ['src/cli/cost/prices-us-east-1.json'];

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

class BuildError extends Error {
  override readonly name = 'BuildError';
}

async function buildAll(root: string): Promise<void> {
  const started = performance.now();
  // Taken before any source is read: a file saved while the build runs makes it stale.
  const sourcesAsOfMillis = Date.now();
  const dist = path.join(root, 'dist');
  rmSync(dist, { recursive: true, force: true });

  progress('bundling the command into dist/cli (esbuild)');
  const cliDir = path.join(dist, 'cli');
  const { metafile } = await build(cliBundleOptions(root, cliDir));
  const unexpected = unexpectedInputs(metafile ?? { inputs: {}, outputs: {} });
  if (unexpected.length > 0) {
    throw new BuildError(
      `The command's bundle takes code from outside src/cli, src/runtime, src/shared and node_modules: ${unexpected.join(', ')}. Tests, benchmarks and CDK code are never part of it; remove the import.`,
    );
  }
  for (const asset of CLI_ASSETS) {
    copyFileSync(path.join(root, asset), path.join(cliDir, path.basename(asset)));
  }
  assertAssetsPresent(cliDir);

  progress('compiling the runtime module with its declarations into dist/runtime (tsc)');
  const tsc = spawnSync(process.execPath, [TSC, '-p', path.join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
    timeout: 5 * 60_000,
  });
  if (tsc.status !== 0) {
    throw new BuildError(
      `tsc -p tsconfig.build.json ${tsc.error === undefined ? `exited with ${tsc.status}` : `failed: ${tsc.error.message}`}.`,
    );
  }

  writeFileSync(path.join(root, BUILD_STAMP), `${JSON.stringify({ sourcesAsOfMillis })}\n`);
  progress(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Every file or folder a chunk of the bundle reads relative to itself (`new URL('…',
 * import.meta.url)`) must exist there. esbuild does not see these paths, and the bundle puts
 * every chunk directly in dist/cli, so a path counted from a deeper source folder
 * (`../../../migrations` from src/cli/migrate/) would otherwise fail only when its command runs.
 */
function assertAssetsPresent(cliDir: string): void {
  const reference = /new URL\(\s*["'](\.{1,2}\/[^"']*)["']\s*,\s*import\.meta\.url\s*\)/g;
  for (const file of readdirSync(cliDir).filter((name) => name.endsWith('.js'))) {
    for (const [, relative] of readFileSync(path.join(cliDir, file), 'utf8').matchAll(reference)) {
      if (relative !== undefined && !existsSync(path.join(cliDir, relative))) {
        throw new BuildError(
          `dist/cli/${file} reads ${relative} relative to itself, which is not there. A file the command reads beside its code goes in CLI_ASSETS (scripts/build.ts); a file of the project is found from PACKAGE_ROOT or PROJECT_ROOT (src/cli/project-root.ts), never by counting folders up from a source file.`,
        );
      }
    }
  }
}

function progress(message: string): void {
  process.stderr.write(`build: ${message}\n`);
}

try {
  await buildAll(PACKAGE_ROOT);
} catch (error) {
  process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
