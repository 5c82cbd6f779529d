import * as z from 'zod';
import { RotationEnvironment } from '../../shared/names.js';
import type { DatabaseTarget } from './database.js';
import { RotationConfigurationError } from './errors.js';

export interface RotationSettings {
  readonly connectionSecretId: string;
  readonly database: DatabaseTarget;
}

const ALLOWED = {
  [RotationEnvironment.ConnectionSecretId]: 'the ARN of the connection secret',
  [RotationEnvironment.DatabaseHost]: "the instance's endpoint address",
  [RotationEnvironment.DatabasePort]: 'a port number from 1 to 65535',
  [RotationEnvironment.DatabaseName]: 'the database name',
} as const;

const schema = z.object({
  [RotationEnvironment.ConnectionSecretId]: z.string().trim().min(1),
  [RotationEnvironment.DatabaseHost]: z.string().trim().min(1),
  [RotationEnvironment.DatabasePort]: z.coerce.number().int().min(1).max(65_535),
  [RotationEnvironment.DatabaseName]: z.string().trim().min(1),
});

/**
 * The rotation function's settings, from the variables its construct sets. A missing or bad
 * one fails every step at once, naming the variable, the value and what is allowed.
 */
export function rotationSettingsFromEnvironment(env: NodeJS.ProcessEnv): RotationSettings {
  const names = Object.values(RotationEnvironment);
  const parsed = schema.safeParse(Object.fromEntries(names.map((name) => [name, env[name]])));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]) as keyof typeof ALLOWED;
      const value = env[name];
      const got = value === undefined ? 'it is not set' : `got ${JSON.stringify(value)}`;
      return `${name} must be ${ALLOWED[name]}; ${got}`;
    });
    throw new RotationConfigurationError(
      `The rotation function is misconfigured: ${problems.join('; ')}.`,
    );
  }
  const values = parsed.data;
  return {
    connectionSecretId: values[RotationEnvironment.ConnectionSecretId],
    database: {
      host: values[RotationEnvironment.DatabaseHost],
      port: values[RotationEnvironment.DatabasePort],
      database: values[RotationEnvironment.DatabaseName],
    },
  };
}
