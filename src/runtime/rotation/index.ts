/**
 * Password rotation of the master credentials (Secrets Manager, single-user strategy), keeping
 * the connection secret in step. Used by the rotation Lambda (src/lambda/rotation).
 */
export {
  rotateSecret,
  type RotationDependencies,
  type RotationEvent,
  type RotationStep,
} from './rotate.js';
export { rotationSettingsFromEnvironment, type RotationSettings } from './environment.js';
export type { DatabaseAccessOptions, DatabaseTarget } from './database.js';
export { jsonLineLogger, type LogFields, type RotationLogger } from './logger.js';
export * from './errors.js';
