// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', '.spendsense/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Layering: runtime code runs in Lambdas and the CLI and must stay free of CDK.
    files: ['src/runtime/**/*.ts', 'src/lambda/**/*.ts', 'src/cli/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'],
              message: 'Only src/infra may import CDK.',
            },
            {
              group: ['**/infra/**'],
              message: 'Infrastructure code is never imported at runtime.',
            },
          ],
        },
      ],
    },
  },
  {
    // Construct code runs at every synth: no console output there.
    files: ['src/infra/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
