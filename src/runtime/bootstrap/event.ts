import * as z from 'zod';

/**
 * The properties of the bootstrap custom resource, as CloudFormation passes them (every value a
 * string). ARNs, names and content hashes only, never a secret value: CloudFormation stores and
 * shows them. A change of any of them is an Update, which runs the steps again; adding a step
 * (the schema migrations) adds the property whose change must run it (its content hash).
 */
export const bootstrapPropertiesSchema = z.looseObject({
  /** The master credentials secret (full ARN). */
  CredentialsSecretArn: z.string().startsWith('arn:'),
  /** The instance's own endpoint: a new instance (a replacement, a restore) is set up anew. */
  DatabaseHost: z.string().min(1),
  DatabasePort: z.coerce.number().int().min(1).max(65_535),
  DatabaseName: z.string().min(1),
  /** The instance class: its `max_connections` sets `spendsense_app`'s CONNECTION LIMIT. */
  InstanceClass: z.string().min(1),
  /** Hash of the role SQL's sources: a change to them runs it again. */
  RolesHash: z.string().min(1),
  /**
   * Hash of the migrations (`migrationsHash`): a change runs them. Absent in the properties of a
   * deployment older than the migrations, which a rollback may send.
   */
  MigrationsHash: z.string().min(1).optional(),
});
export type BootstrapProperties = z.infer<typeof bootstrapPropertiesSchema>;

/**
 * What the CDK Provider framework passes the `onEvent` handler: CloudFormation's request, without
 * the response URL (the framework answers CloudFormation itself, from outside the VPC).
 */
const eventSchema = z.discriminatedUnion('RequestType', [
  z.looseObject({
    RequestType: z.literal('Create'),
    LogicalResourceId: z.string(),
    ResourceProperties: bootstrapPropertiesSchema,
  }),
  z.looseObject({
    RequestType: z.literal('Update'),
    LogicalResourceId: z.string(),
    PhysicalResourceId: z.string().min(1),
    ResourceProperties: bootstrapPropertiesSchema,
  }),
  z.looseObject({
    RequestType: z.literal('Delete'),
    LogicalResourceId: z.string(),
    PhysicalResourceId: z.string().min(1),
    ResourceProperties: z.looseObject({}),
  }),
]);
export type BootstrapEvent = z.infer<typeof eventSchema>;
export type BootstrapRequestType = BootstrapEvent['RequestType'];

/** What the handler returns to the framework. */
export interface BootstrapResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Readonly<Record<string, string | number>>;
}

/** The event, validated; the error names the fields that are wrong, never their values. */
export function parseBootstrapEvent(event: unknown): BootstrapEvent | { problems: string } {
  const parsed = eventSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  return {
    problems: parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; '),
  };
}

/** Stable while the database is the same one: a new id would tell CloudFormation "replaced". */
export function physicalResourceId(properties: BootstrapProperties): string {
  return `spendsense-bootstrap:${properties.DatabaseHost}/${properties.DatabaseName}`;
}
