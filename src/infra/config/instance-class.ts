/**
 * RDS for PostgreSQL 15 instance classes, as families and sizes. A typo such as `db.t3.mirco`
 * or `t3.micro` fails at synth instead of half-way through a deployment.
 */
const BURSTABLE_FAMILIES = ['t3', 't4g'] as const;
const BURSTABLE_SIZES = ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'] as const;

const STANDARD_FAMILIES = [
  'm5',
  'm5d',
  'm6g',
  'm6gd',
  'm6i',
  'm6id',
  'm6idn',
  'm6in',
  'm7g',
  'm7gd',
  'm7i',
  'm8g',
  'r5',
  'r5b',
  'r5d',
  'r6g',
  'r6gd',
  'r6i',
  'r6id',
  'r6idn',
  'r6in',
  'r7g',
  'r7gd',
  'r7i',
  'r8g',
  'x2g',
  'x2idn',
  'x2iedn',
  'x2iezn',
  'z1d',
] as const;
const STANDARD_SIZES = [
  'large',
  'xlarge',
  '2xlarge',
  '4xlarge',
  '8xlarge',
  '12xlarge',
  '16xlarge',
  '24xlarge',
  '32xlarge',
  '48xlarge',
] as const;

export const INSTANCE_CLASS_ALLOWED =
  `an RDS for PostgreSQL instance class "db.<family>.<size>", for example db.t3.micro, ` +
  `db.t4g.small or db.m6g.large (families ${[...BURSTABLE_FAMILIES, ...STANDARD_FAMILIES].join(', ')})`;

const INSTANCE_CLASS = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/;

export function isDatabaseInstanceClass(value: string): boolean {
  const [, family = '', size = ''] = INSTANCE_CLASS.exec(value) ?? [];
  if (isOneOf(BURSTABLE_FAMILIES, family)) return isOneOf(BURSTABLE_SIZES, size);
  if (isOneOf(STANDARD_FAMILIES, family)) return isOneOf(STANDARD_SIZES, size);
  return false;
}

function isOneOf(list: readonly string[], value: string): boolean {
  return list.includes(value);
}
