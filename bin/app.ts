// The CDK app: `npx cdk synth --all` runs this (see cdk.json).
import { createDatabaseApp } from '../src/infra/app.js';
import { StageConfigError } from '../src/infra/config/load-stage-configs.js';

try {
  const { app } = createDatabaseApp();
  app.synth();
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  // A configuration mistake is the user's to fix: the message says what and how, a stack
  // trace would only bury it.
  console.error(error.message);
  process.exitCode = 1;
}
