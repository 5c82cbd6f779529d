import * as z from 'zod';

/**
 * What `cdk deploy` needs from the cloud assembly for one stack (`cdk.out/manifest.json`): where
 * it deploys, the bootstrap version it requires, and where its template asset goes. Only the
 * fields read here are validated; the manifest holds much more.
 */
const manifestSchema = z.looseObject({
  artifacts: z.record(
    z.string(),
    z.looseObject({
      type: z.string(),
      environment: z.string().optional(),
      properties: z
        .looseObject({
          templateFile: z.string().optional(),
          requiresBootstrapStackVersion: z.number().int().optional(),
          bootstrapStackVersionSsmParameter: z.string().optional(),
          stackTemplateAssetObjectUrl: z.string().optional(),
          terminationProtection: z.boolean().optional(),
        })
        .optional(),
    }),
  ),
});

export interface StackArtifact {
  readonly templateFile: string;
  /** The region the stack was synthesized for; `undefined` when environment-agnostic. */
  readonly region: string | undefined;
  readonly requiresBootstrapStackVersion: number | undefined;
  /** The SSM parameter the template's `BootstrapVersion` parameter reads. */
  readonly bootstrapStackVersionSsmParameter: string | undefined;
  /** `s3://<bucket>/<key>`, with `${AWS::AccountId}` (and the like) left for deploy time. */
  readonly templateAssetUrl: string | undefined;
  readonly terminationProtection: boolean;
}

/** Why a manifest cannot be read, in one line. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** The stack's artifact in a `manifest.json` text. */
export function readStackArtifact(manifestText: string, stackName: string): StackArtifact {
  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch {
    throw new ManifestError('manifest.json is not JSON');
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new ManifestError('manifest.json is not a cloud assembly manifest');
  const artifact = parsed.data.artifacts[stackName];
  if (artifact === undefined || artifact.type !== 'aws:cloudformation:stack') {
    throw new ManifestError(`the cloud assembly has no stack ${stackName}`);
  }
  const properties = artifact.properties ?? {};
  // aws://<account>/<region>; CDK writes unknown-account / unknown-region when unresolved.
  const region = /^aws:\/\/[^/]+\/([^/]+)$/.exec(artifact.environment ?? '')?.[1];
  return {
    templateFile: properties.templateFile ?? `${stackName}.template.json`,
    region: region === undefined || region.startsWith('unknown-') ? undefined : region,
    requiresBootstrapStackVersion: properties.requiresBootstrapStackVersion,
    bootstrapStackVersionSsmParameter: properties.bootstrapStackVersionSsmParameter,
    templateAssetUrl: properties.stackTemplateAssetObjectUrl,
    terminationProtection: properties.terminationProtection ?? false,
  };
}
