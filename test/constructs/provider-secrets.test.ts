import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CREDENTIAL_TAG, ProviderSecrets, type ProviderSecretsProps } from '../../constructs';
import { UNSET_CREDENTIAL_SECRET_STRING } from '../../lambda/contract/credentials';
import { onlyResource, teamStack, type Json } from './data-store-fixtures';

const OPENAI_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:team/openai-AbCdEf';

describe('ProviderSecrets, used alone in a team’s stack', () => {
  const team = teamStack();
  const secrets = new ProviderSecrets(team.stack, 'Providers', {
    credentials: ['openai', 'anthropic', 'azure-openai'],
  });
  const gateway = team.client('Gateway');
  const grants = secrets.grantRead(gateway, ['openai']);
  const topic = new sns.Topic(team.stack, 'Audit', { enforceSSL: true });
  secrets.onCredentialChange('Changed', { target: new targets.SnsTopic(topic) });
  const template = Template.fromStack(team.stack);
  const all = template.findResources('AWS::SecretsManager::Secret') as Record<string, Json>;
  const key = onlyResource(template, 'AWS::KMS::Key');
  const idOf = (credential: string) =>
    Object.keys(all).find((id) =>
      all[id].Properties.Tags.some((t: Json) => t.Key === CREDENTIAL_TAG && t.Value === credential),
    )!;

  test('one secret per credential, each tagged with its credential name', () => {
    expect(secrets.credentialNames).toEqual(['anthropic', 'azure-openai', 'openai']);
    expect(Object.keys(all)).toHaveLength(3);
    expect(['openai', 'anthropic', 'azure-openai'].map(idOf).every(Boolean)).toBe(true);
  });

  test('created holding the unset marker, never a key: nothing secret is in the template', () => {
    for (const secret of Object.values(all)) {
      expect(secret.Properties.SecretString).toBe(UNSET_CREDENTIAL_SECRET_STRING);
      expect(secret.Properties.GenerateSecretString).toBeUndefined();
    }
  });

  test('encrypted with one customer-managed key that rotates, retained by default', () => {
    for (const secret of Object.values(all)) {
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [key.id, 'Arn'] });
      expect(secret.DeletionPolicy).toBe('Retain');
    }
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
  });

  test('grantRead grants exactly the named credentials, and decryption only through Secrets Manager', () => {
    expect(grants).toHaveLength(1);
    const policy = onlyResource(template, 'AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^GatewayServiceRole') }] },
    });
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: idOf('openai') },
      }),
    ]);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^GatewayServiceRole/), 'Arn'] } },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
      }),
    );
  });

  test('onCredentialChange: an EventBridge rule on Secrets Manager’s own AWSCURRENT label event', () => {
    const rule = onlyResource(template, 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['Secret Label Updated'],
      resources: ['anthropic', 'azure-openai', 'openai'].map((c) => ({ Ref: idOf(c) })),
      detail: { labelUpdated: ['AWSCURRENT'] },
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { Ref: expect.stringMatching(/^Audit/) } }),
    ]);
  });

  test('secretFor and grantRead name the known credentials when asked for another', () => {
    expect(secrets.secretFor('anthropic')).toBe(secrets.createdSecrets.anthropic);
    expect(() => secrets.secretFor('mistral')).toThrow(
      'ProviderSecrets Team/Providers: there is no credential "mistral"; the credentials are "anthropic", "azure-openai", "openai". Add it to `credentials`, or fix the name in the gateway config.',
    );
    expect(() => secrets.grantRead(gateway, [])).toThrow(/grantRead needs at least one credential name/);
  });
});

describe('ProviderSecrets with a rotation function for one provider', () => {
  const team = teamStack();
  const rotator = new lambda.Function(team.stack, 'OpenAiKeyRotator', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
  });
  new ProviderSecrets(team.stack, 'Providers', {
    credentials: ['openai', 'anthropic'],
    rotations: { openai: { function: rotator, every: Duration.days(14) } },
    secretNamePrefix: 'llm/dev/',
  });
  const template = Template.fromStack(team.stack);

  test('only that credential rotates, on its schedule, and not before a key is set', () => {
    const schedule = onlyResource(template, 'AWS::SecretsManager::RotationSchedule');
    expect(schedule.Properties).toMatchObject({
      RotationLambdaARN: { 'Fn::GetAtt': [expect.stringMatching(/^OpenAiKeyRotator/), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(14 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    const openai = onlyResource(template, 'AWS::SecretsManager::Secret', { Properties: { Name: 'llm/dev/openai' } });
    expect(schedule.Properties.SecretId).toEqual({ Ref: openai.id });
  });

  test('the rotation function may be invoked by Secrets Manager and may write that secret only', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      Action: 'lambda:InvokeFunction',
    });
    const policy = onlyResource(template, 'AWS::IAM::Policy');
    const statements = JSON.stringify(policy.Properties.PolicyDocument.Statement);
    expect(statements).toContain('secretsmanager:PutSecretValue');
    const secretsInPolicy = policy.Properties.PolicyDocument.Statement.filter((s: Json) =>
      JSON.stringify(s.Action).includes('PutSecretValue'),
    ).map((s: Json) => s.Resource);
    const openai = onlyResource(template, 'AWS::SecretsManager::Secret', { Properties: { Name: 'llm/dev/openai' } });
    expect(secretsInPolicy).toEqual([{ Ref: openai.id }]);
  });

  test('names follow the prefix when one is given', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'llm/dev/anthropic' });
  });
});

describe('existing secrets', () => {
  test('fromProviderSecretsAttributes imports complete ARNs and grants them, decrypting with the given key', () => {
    const team = teamStack();
    const key = kms.Key.fromKeyArn(
      team.stack,
      'TeamKey',
      'arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    );
    const secrets = ProviderSecrets.fromProviderSecretsAttributes(team.stack, 'Providers', {
      secrets: { openai: OPENAI_ARN },
      encryptionKey: key,
    });
    secrets.grantRead(team.client(), ['openai']);
    const template = Template.fromStack(team.stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const statements = JSON.stringify(onlyResource(template, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement);
    expect(statements).toContain(OPENAI_ARN);
    expect(statements).toContain('arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d');
    expect(secrets.credentialNames).toEqual(['openai']);
  });

  test('a partial ARN is refused with how to get the complete one', () => {
    const team = teamStack();
    expect(() =>
      ProviderSecrets.fromProviderSecretsAttributes(team.stack, 'Providers', {
        secrets: { openai: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:team/openai' },
      }),
    ).toThrow(
      /not a complete secret ARN; give the ARN ending in the 6-character suffix \(aws secretsmanager describe-secret/,
    );
  });

  test('created and existing credentials side by side', () => {
    const team = teamStack();
    const secrets = new ProviderSecrets(team.stack, 'Providers', {
      credentials: ['anthropic'],
      existingSecrets: { openai: secretsmanager.Secret.fromSecretCompleteArn(team.stack, 'OpenAi', OPENAI_ARN) },
    });
    expect(secrets.credentialNames).toEqual(['anthropic', 'openai']);
    expect(secrets.secretFor('openai').secretArn).toBe(OPENAI_ARN);
    Template.fromStack(team.stack).resourceCountIs('AWS::SecretsManager::Secret', 1);
  });
});

describe('ProviderSecrets refuses bad props with what to do', () => {
  const fn = (team: ReturnType<typeof teamStack>) => team.client('Rotator');
  const cases: [string, (team: ReturnType<typeof teamStack>) => ProviderSecretsProps, RegExp][] = [
    ['no credentials', () => ({ credentials: [] }), /give at least one credential name in `credentials`/],
    [
      'a name the gateway config cannot use',
      () => ({ credentials: ['OpenAI'] }),
      /credential "OpenAI" is not a credential name/,
    ],
    [
      'a name given twice',
      () => ({ credentials: ['openai', 'openai'] }),
      /credential "openai" is given more than once/,
    ],
    [
      'a rotation for a credential it does not create',
      (team) => ({ credentials: ['openai'], rotations: { anthropic: { function: fn(team) } } }),
      /rotations names "anthropic", which is not one of the created credentials \(openai\)/,
    ],
    [
      'a prefix a secret name cannot hold',
      () => ({ credentials: ['openai'], secretNamePrefix: 'llm prod/' }),
      /secretNamePrefix "llm prod\/" has characters a secret name cannot hold/,
    ],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    const team = teamStack();
    expect(() => new ProviderSecrets(team.stack, 'Providers', props(team))).toThrow(message);
  });

  test('a rule for a credential it does not hold', () => {
    const team = teamStack();
    const secrets = new ProviderSecrets(team.stack, 'Providers', { credentials: ['openai'] });
    expect(() => secrets.onCredentialChange('Changed', { credentials: ['anthropic'] })).toThrow(
      /no credential "anthropic"/,
    );
    expect(secrets.onCredentialChange('Ok')).toBeInstanceOf(events.Rule);
  });
});
