import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, test } from 'vitest';
import {
  APPLICATION_DESCRIPTOR_FIELDS,
  ApplicationOutputKeys,
  applicationAccessPolicyExportName,
  applicationAccessPolicyParameterName,
  applicationDescriptorParameterName,
  connectionSecretName,
  type Stage,
} from '../../src/shared/names.js';
import { logicalIdOf, synthesize } from './support/synth.js';

const stages = { dev: synthesize('dev'), prod: synthesize('prod') };
afterAll(() => {
  stages.dev.dispose();
  stages.prod.dispose();
});
const eachStage = test.each(['dev', 'prod'] as const);

type Json = ReturnType<Template['toJSON']>;

function resources(stage: Stage): Record<string, Json> {
  return stages[stage].template.toJSON().Resources as Record<string, Json>;
}

/** Every statement of every policy attached to `role`, managed or inline, by logical id. */
function statementsOfRole(stage: Stage, role: string): Record<string, unknown>[] {
  const all = resources(stage);
  const attachedManaged = (all[role]?.Properties.ManagedPolicyArns ?? [])
    .map((arn: { Ref?: string }) => arn.Ref)
    .filter((id: string | undefined) => id !== undefined && all[id] !== undefined);
  const managed = Object.entries(all)
    .filter(
      ([id, resource]) =>
        resource.Type === 'AWS::IAM::ManagedPolicy' &&
        (attachedManaged.includes(id) ||
          JSON.stringify(resource.Properties.Roles ?? []).includes(`"${role}"`)),
    )
    .map(([, resource]) => resource);
  const inline = Object.values(all).filter(
    (resource) =>
      resource.Type === 'AWS::IAM::Policy' &&
      JSON.stringify(resource.Properties.Roles ?? []).includes(`"${role}"`),
  );
  return [...managed, ...inline].flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[],
  );
}

function functionRole(stage: Stage, description: string): string {
  const id = logicalIdOf(stages[stage].template, 'AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp(`^${description}`),
  });
  return resources(stage)[id]!.Properties.Role['Fn::GetAtt'][0] as string;
}

/** `dbuser:<resource id>/spendsense_app`, where the id is `resourceId` (a CloudFormation value). */
const dbUserArn = (resourceId: unknown) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':rds-db:us-east-1:',
      { Ref: 'AWS::AccountId' },
      ':dbuser:',
      resourceId,
      '/spendsense_app',
    ],
  ],
});

const instanceResourceId = (stage: Stage) => ({
  'Fn::GetAtt': [logicalIdOf(stages[stage].template, 'AWS::RDS::DBInstance'), 'DbiResourceId'],
});
const proxyResourceId = () => ({
  'Fn::Select': [
    6,
    {
      'Fn::Split': [
        ':',
        { 'Fn::GetAtt': [logicalIdOf(stages.prod.template, 'AWS::RDS::DBProxy'), 'DBProxyArn'] },
      ],
    },
  ],
});

describe('the probe logs in like every SpendSense function: IAM, no secret', () => {
  test.each([
    ['dev', 'the instance', () => instanceResourceId('dev')],
    ['prod', 'RDS Proxy', proxyResourceId],
  ] as const)(
    '%s: rds-db:connect on %s as spendsense_app, and no Secrets Manager action',
    (stage, _what, resourceId) => {
      const statements = statementsOfRole(stage, functionRole(stage, 'SpendSense database probe'));
      expect(statements.filter((s) => JSON.stringify(s.Action).includes('rds-db:'))).toEqual([
        expect.objectContaining({ Action: 'rds-db:connect', Resource: dbUserArn(resourceId()) }),
      ]);
      expect(JSON.stringify(statements)).not.toContain('secretsmanager:');
    },
  );
});

describe('who can read the database secrets', () => {
  eachStage('%s: only the rotation and bootstrap roles, through any policy', (stage) => {
    const all = resources(stage);
    const readers = new Set<string>();
    for (const [id, resource] of Object.entries(all)) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const statements = statementsOfRole(stage, id);
      if (JSON.stringify(statements).includes('secretsmanager:GetSecretValue')) readers.add(id);
    }
    expect([...readers].sort()).toEqual(
      [
        functionRole(stage, 'SpendSense database password rotation'),
        functionRole(stage, 'SpendSense database bootstrap'),
      ].sort(),
    );
  });

  eachStage('%s: the connection secret, for operators, names the instance itself', (stage) => {
    const secret = logicalIdOf(stages[stage].template, 'AWS::SecretsManager::Secret', {
      Name: connectionSecretName(stage),
    });
    const value = JSON.stringify(resources(stage)[secret]!.Properties.SecretString);
    expect(value).toContain('Endpoint.Address');
    expect(value).not.toContain('DBProxy');
  });
});

describe('prod: RDS Proxy takes IAM authentication from clients, end to end', () => {
  test('DefaultAuthScheme IAM_AUTH, no secret; its role may connect to the instance as the app', () => {
    const { template } = stages.prod;
    template.hasResourceProperties('AWS::RDS::DBProxy', {
      DefaultAuthScheme: 'IAM_AUTH',
      RequireTLS: true,
      Auth: Match.absent(),
    });
    const proxy = resources('prod')[logicalIdOf(template, 'AWS::RDS::DBProxy')]!;
    const role = proxy.Properties.RoleArn['Fn::GetAtt'][0] as string;
    expect(statementsOfRole('prod', role)).toEqual([
      expect.objectContaining({
        Action: 'rds-db:connect',
        Resource: expect.objectContaining({
          'Fn::Join': ['', expect.arrayContaining([instanceResourceId('prod'), '/spendsense_app'])],
        }),
      }),
    ]);
  });

  test('its pool fits under spendsense_app’s CONNECTION LIMIT (86% of a db.t3.micro)', () => {
    stages.prod.template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: { MaxConnectionsPercent: 86 },
    });
  });

  test('waits for the bootstrap, which creates the role it logs in as', () => {
    const { template } = stages.prod;
    const proxy = resources('prod')[logicalIdOf(template, 'AWS::RDS::DBProxy')]!;
    const bootstrap = Object.keys(template.findResources('Custom::SpendSenseDatabaseBootstrap'));
    expect(proxy.DependsOn).toEqual(expect.arrayContaining(bootstrap));
  });
});

describe('what a later Lambda stack gets', () => {
  eachStage('%s: an exported managed policy granting exactly that rds-db:connect', (stage) => {
    const { template } = stages[stage];
    const policy = logicalIdOf(template, 'AWS::IAM::ManagedPolicy', {
      Description: Match.stringLikeRegexp('^SpendSense functions: log in'),
    });
    expect(resources(stage)[policy]!.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ConnectAsTheApplicationRole',
        Effect: 'Allow',
        Action: 'rds-db:connect',
        Resource: dbUserArn(stage === 'dev' ? instanceResourceId('dev') : proxyResourceId()),
      },
    ]);
    template.hasOutput(ApplicationOutputKeys.AccessPolicyArn, {
      Value: { Ref: policy },
      Export: { Name: applicationAccessPolicyExportName(stage) },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: applicationAccessPolicyParameterName(stage),
      Value: { Ref: policy },
    });
  });

  eachStage('%s: the connection descriptor as SSM parameters and outputs, no password', (stage) => {
    const { template } = stages[stage];
    const host =
      stage === 'dev'
        ? { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::RDS::DBInstance'), 'Endpoint.Address'] }
        : { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::RDS::DBProxy'), 'Endpoint'] };
    const port =
      stage === 'dev'
        ? { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::RDS::DBInstance'), 'Endpoint.Port'] }
        : '5432';
    const expected = {
      host: [ApplicationOutputKeys.Host, host],
      port: [ApplicationOutputKeys.Port, port],
      database: [ApplicationOutputKeys.Database, 'spendsense'],
      user: [ApplicationOutputKeys.User, 'spendsense_app'],
      'auth-method': [ApplicationOutputKeys.AuthMethod, 'iam'],
    } as const;
    expect(Object.keys(expected)).toEqual([...APPLICATION_DESCRIPTOR_FIELDS]);
    for (const field of APPLICATION_DESCRIPTOR_FIELDS) {
      const [output, value] = expected[field];
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: applicationDescriptorParameterName(stage, field),
        Value: value,
      });
      template.hasOutput(output, { Value: value });
    }
    const published = Object.values(template.findResources('AWS::SSM::Parameter'))
      .filter((p) => String(p.Properties.Name).includes('/application/'))
      .map((p) => p.Properties.Value);
    expect(published).toHaveLength(APPLICATION_DESCRIPTOR_FIELDS.length + 1);
    expect(JSON.stringify(published)).not.toMatch(/resolve:secretsmanager|SecretString|Secret/);
  });
});
