import { fileURLToPath } from 'node:url';

/**
 * The root of this project (the folder holding package.json): where the CLI finds `cdk.out`,
 * `.spendsense/` and `docs/`. This file is two levels below the root in the sources
 * (`src/cli/`) and in the build (`dist/cli/`, where every chunk of the bundle sits directly), so
 * the same relative URL works in both.
 */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
