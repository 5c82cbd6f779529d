import { expect, test } from 'vitest';
import { PACKAGE_ROOT, PROJECT_ROOT, projectRootOf } from '../../src/cli/project-root.js';

test.each([
  ['a checkout', '/home/ana/spendsense-database/', '/home/ana/spendsense-database/'],
  [
    'installed in a project',
    '/home/ana/budgets/node_modules/spendsense-database/',
    '/home/ana/budgets/',
  ],
  [
    'installed under another dependency',
    '/home/ana/budgets/node_modules/tools/node_modules/spendsense-database/',
    '/home/ana/budgets/node_modules/tools/',
  ],
])('the project of %s keeps the user files outside node_modules', (_name, packageRoot, project) => {
  expect(projectRootOf(packageRoot)).toBe(project);
});

test('in this checkout, the project is the package', () => {
  expect(PACKAGE_ROOT).toMatch(/\/$/);
  expect(PROJECT_ROOT).toBe(PACKAGE_ROOT);
});
