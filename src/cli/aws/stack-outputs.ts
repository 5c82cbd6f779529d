import { OutputKeys, type OutputKey } from '../../shared/names.js';

/**
 * Outputs a stage has only when a feature of it is enabled (the access host, RDS Proxy). Every
 * other output key, the alarm topic included (alarms are always on), is required of every
 * deployed stage.
 */
export const FEATURE_OUTPUTS: ReadonlySet<OutputKey> = new Set<OutputKey>([
  'AccessHostInstanceId',
  'ProxyEndpoint',
]);

/** The outputs every deployed stage must have. */
export const REQUIRED_OUTPUTS: readonly OutputKey[] = (
  Object.keys(OutputKeys) as OutputKey[]
).filter((key) => !FEATURE_OUTPUTS.has(key));

/** Required outputs that are absent or empty. */
export function missingOutputs(outputs: Readonly<Record<string, string>>): OutputKey[] {
  return REQUIRED_OUTPUTS.filter((key) => (outputs[OutputKeys[key]] ?? '') === '');
}
