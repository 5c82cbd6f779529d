import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, test } from 'vitest';
import {
  contentHash,
  MIGRATIONS_DIRECTORY,
  ROLE_SQL_SOURCES,
} from '../../src/infra/bootstrap/database-bootstrap.js';
import { migrationsHash, readMigrationFilesSync } from '../../src/runtime/migrations/files.js';
import { credentialsSecretName } from '../../src/shared/names.js';
import { logicalIdOf, synthesize } from '../infra/support/synth.js';
import { withCreationId } from '../infra/support/creation-names.js';

const dev = synthesize('dev');
afterAll(dev.dispose);
const { template, outdir } = dev;
/** A resource of the template, as JSON (what `Template.toJSON` gives, untyped). */
type ResourceJson = ReturnType<typeof template.toJSON>[string];
const resources = template.toJSON().Resources as Record<string, ResourceJson>;

const handlerId = logicalIdOf(template, 'AWS::Lambda::Function', {
  Description: Match.stringLikeRegexp('^SpendSense database bootstrap'),
});
const handler = resources[handlerId]!;
const [resourceId, resource] = Object.entries(resources).find(
  ([, candidate]) => candidate.Type === 'Custom::SpendSenseDatabaseBootstrap',
)!;
const frameworkId = resource.Properties.ServiceToken['Fn::GetAtt'][0] as string;
const framework = resources[frameworkId]!;
const credentialsSecret = logicalIdOf(template, 'AWS::SecretsManager::Secret', {
  Name: credentialsSecretName('dev'),
});
const attachment = logicalIdOf(template, 'AWS::SecretsManager::SecretTargetAttachment');
const key = logicalIdOf(template, 'AWS::KMS::Key');
const instance = logicalIdOf(template, 'AWS::RDS::DBInstance');
const lambdaGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', {
  GroupDescription: Match.stringLikeRegexp('^SpendSense Lambdas'),
});

function statementsOf(roleLogicalId: string): Record<string, unknown>[] {
  return Object.values(
    template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) },
    }),
  ).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

describe('the bootstrap custom resource', () => {
  test('carries ARNs, the endpoint, the class and content hashes, no secret value; times out in 15 minutes, not an hour', () => {
    expect(resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [frameworkId, 'Arn'] },
      ServiceTimeout: '900',
      CredentialsSecretArn: { Ref: attachment },
      DatabaseHost: { 'Fn::GetAtt': [instance, 'Endpoint.Address'] },
      DatabasePort: { 'Fn::GetAtt': [instance, 'Endpoint.Port'] },
      DatabaseName: 'spendsense',
      InstanceClass: 'db.t3.micro',
      RolesHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      MigrationsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(resource)).not.toContain('resolve:secretsmanager');
  });

  test('the handler’s timeout (10 minutes) is below the framework function’s (15) and the service timeout', () => {
    expect(handler.Properties.Timeout).toBe(600);
    expect(framework.Properties.Timeout).toBe(900);
  });

  test('depends on the migrations’ content: their hash is a property, and a change of a file changes it', () => {
    const hash = resource.Properties.MigrationsHash as string;
    expect(hash).toBe(migrationsHash(readMigrationFilesSync(MIGRATIONS_DIRECTORY)));
    const copy = mkdtempSync(path.join(os.tmpdir(), 'spendsense-migrations-hash-'));
    try {
      writeFileSync(path.join(copy, '0001_a.sql'), '-- Up Migration\ncreate table a (id int);\n');
      const one = migrationsHash(readMigrationFilesSync(copy));
      expect(one).not.toBe(hash);
      writeFileSync(
        path.join(copy, '0001_a.sql'),
        '-- Up Migration\ncreate table a (id bigint);\n',
      );
      expect(migrationsHash(readMigrationFilesSync(copy))).not.toBe(one);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test('the migrations ship in the handler’s bundle, beside index.mjs', () => {
    const key = handler.Properties.Code.S3Key as string;
    const asset = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    expect(readdirSync(asset)).toContain('index.mjs');
    expect(readdirSync(path.join(asset, 'migrations')).sort()).toEqual(
      readdirSync(MIGRATIONS_DIRECTORY).sort(),
    );
  });

  test('the stack outputs the schema version the deploy left', () => {
    template.hasOutput('SchemaVersion', {
      Value: { 'Fn::GetAtt': [resourceId, 'SchemaVersion'] },
    });
  });

  test('its hash is the role SQL sources’ and follows any change to them', () => {
    expect(resource.Properties.RolesHash).toBe(contentHash(ROLE_SQL_SOURCES));
    const copies = mkdtempSync(path.join(os.tmpdir(), 'spendsense-roles-hash-'));
    try {
      const copied = ROLE_SQL_SOURCES.map((file) => {
        const target = path.join(copies, path.basename(file));
        copyFileSync(file, target);
        return target;
      });
      expect(contentHash(copied)).toBe(resource.Properties.RolesHash);
      writeFileSync(copied[1]!, `${readFileSync(copied[1]!, 'utf8')}\n// changed\n`);
      expect(contentHash(copied)).not.toBe(resource.Properties.RolesHash);
    } finally {
      rmSync(copies, { recursive: true, force: true });
    }
  });

  test('runs after the Secrets Manager endpoint and the security group rules exist', () => {
    const endpoint = logicalIdOf(template, 'AWS::EC2::VPCEndpoint');
    const egress = Object.keys(
      template.findResources('AWS::EC2::SecurityGroupEgress', {
        Properties: { GroupId: { 'Fn::GetAtt': [lambdaGroup, 'GroupId'] } },
      }),
    );
    expect(egress.length).toBe(2);
    expect(resource.DependsOn).toEqual(expect.arrayContaining([endpoint, ...egress]));
  });

  test('the first password rotation waits for it', () => {
    const schedule = logicalIdOf(template, 'AWS::SecretsManager::RotationSchedule');
    expect(resources[schedule]!.DependsOn).toContain(resourceId);
  });
});

describe('served from inside the VPC', () => {
  test('the handler runs in the Lambda security group and the isolated subnets', () => {
    expect(handler.Properties.VpcConfig).toEqual({
      SecurityGroupIds: [{ 'Fn::GetAtt': [lambdaGroup, 'GroupId'] }],
      SubnetIds: [
        { Ref: expect.stringMatching(/IsolatedSubnet1Subnet/) },
        { Ref: expect.stringMatching(/IsolatedSubnet2Subnet/) },
      ],
    });
    expect(handler.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('the framework function, outside the VPC, invokes that handler and answers CloudFormation', () => {
    expect(framework.Properties.VpcConfig).toBeUndefined();
    expect(framework.Properties.Environment.Variables).toMatchObject({
      USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [handlerId, 'Arn'] },
    });
  });
});

describe('least privilege', () => {
  const handlerRole = handler.Properties.Role['Fn::GetAtt'][0] as string;
  const frameworkRole = framework.Properties.Role['Fn::GetAtt'][0] as string;

  test('the handler reads the master credentials and decrypts them through Secrets Manager only', () => {
    const statements = statementsOf(handlerRole);
    expect(statements).toHaveLength(3);
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: attachment },
      }),
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [key, 'Arn'] },
        Condition: {
          StringEquals: {
            'kms:ViaService': {
              'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
            },
            'kms:EncryptionContext:SecretARN': { Ref: attachment },
          },
        },
      }),
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
    ]);
    expect(JSON.stringify(statements)).not.toContain(credentialsSecret);
  });

  test('the framework may only invoke the handler and write its own logs', () => {
    const statements = statementsOf(frameworkRole);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatchObject({
      Action: ['lambda:InvokeFunction', 'lambda:GetFunction'],
      Resource: { 'Fn::GetAtt': [handlerId, 'Arn'] },
    });
    expect(statements[1]).toMatchObject({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] });
    for (const role of [handlerRole, frameworkRole]) {
      expect(
        template.findResources('AWS::IAM::Policy', {
          Properties: { Roles: Match.arrayWith([{ Ref: role }]) },
        }),
      ).toEqual({});
    }
    expect(framework.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/ProviderPolicy/)]),
    );
  });

  test.each([
    ['handler', handlerId, withCreationId('/spendsense/dev/database/', '/bootstrap')],
    ['framework', frameworkId, withCreationId('/spendsense/dev/database/', '/bootstrap-provider')],
  ])('the %s logs to its own encrypted group', (_name, functionId, name) => {
    const group = logicalIdOf(template, 'AWS::Logs::LogGroup', {
      LogGroupName: name,
      KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
    expect(resources[functionId]!.Properties.LoggingConfig).toMatchObject({
      LogGroup: { Ref: group },
    });
  });
});

test('the bundled handler loads as an ES module and answers a bad event with its own error', async () => {
  const asset = path.join(
    dev.outdir,
    `asset.${String(handler.Properties.Code.S3Key).replace(/\.zip$/, '')}`,
  );
  const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'bootstrap-bundle-'));
  try {
    copyFileSync(path.join(asset, 'index.mjs'), path.join(dir, 'index.mjs'));
    const bundled = (await import(pathToFileURL(path.join(dir, 'index.mjs')).href)) as {
      handler: (event: unknown) => Promise<unknown>;
    };
    const logged = console.error;
    console.error = () => undefined;
    try {
      await expect(bundled.handler({ RequestType: 'Create' })).rejects.toMatchObject({
        name: 'BootstrapError',
        message: expect.stringContaining('Not a bootstrap custom resource event'),
      });
    } finally {
      console.error = logged;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
