import type { Metafile } from 'esbuild';
import { commandsOf, type HandlerBundle } from './permissions/bundle-commands';
import { bundleMismatches, deniedCalls, unusedGrants, wildcardMatches } from './permissions/checks';
import { HANDLER_AWS_CALLS } from './permissions/declarations';
import { checkTemplate } from './permissions/stage-permissions';
import { TemplateResolver, type CfnTemplate } from './permissions/template-resolver';

/**
 * The permission test's checks (`permissions.test.ts`) catching violations, on small hand-made
 * templates and bundles: a role missing a grant, a key policy that does not let the role decrypt
 * through Secrets Manager, a resource policy that denies, an unused grant, an SDK command the
 * declaration misses, a declared call the bundle does not make.
 */

const ROOT = { 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':root']] };

/** A kill-switch function whose role may read `grantedSecret`, and whose code reads `RedisPassword`. */
function killSwitchTemplate(options: {
  grantedSecret: string;
  extraStatements?: object[];
  keyStatements?: object[];
  secretPolicy?: object[];
}): CfnTemplate {
  const resources: CfnTemplate['Resources'] = {
    Key: {
      Type: 'AWS::KMS::Key',
      Properties: {
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
            ...(options.keyStatements ?? []),
          ],
        },
      },
    },
    RedisPassword: { Type: 'AWS::SecretsManager::Secret', Properties: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
    OtherSecret: { Type: 'AWS::SecretsManager::Secret', Properties: {} },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    Role: { Type: 'AWS::IAM::Role', Properties: {} },
    RolePolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'Role' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Logs',
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: { 'Fn::GetAtt': ['Logs', 'Arn'] },
            },
            {
              Sid: 'ReadSecret',
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: { Ref: options.grantedSecret },
            },
            ...(options.extraStatements ?? []),
          ],
        },
      },
    },
    KillSwitch: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: 'Logs' } },
        Environment: { Variables: { REDIS_PASSWORD_SECRET_ARN: { Ref: 'RedisPassword' } } },
      },
    },
  };
  if (options.secretPolicy) {
    resources.RedisPasswordPolicy = {
      Type: 'AWS::SecretsManager::ResourcePolicy',
      Properties: {
        SecretId: { Ref: 'RedisPassword' },
        ResourcePolicy: { Version: '2012-10-17', Statement: options.secretPolicy },
      },
    };
  }
  return { Resources: resources };
}

const ROLE_DECRYPTS_VIA_SECRETS_MANAGER = {
  Effect: 'Allow',
  Principal: { AWS: { 'Fn::GetAtt': ['Role', 'Arn'] } },
  Action: 'kms:Decrypt',
  Resource: '*',
  Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
};

async function problemsOf(template: CfnTemplate) {
  const permissions = await checkTemplate('Test', new TemplateResolver(template, 'eu-west-1'), () => 'kill-switch');
  const [checked] = permissions.functions;
  return { denied: deniedCalls(checked!.fn, checked!.verdicts), unused: unusedGrants(permissions.functions) };
}

describe('the call check', () => {
  test('passes a role that grants what the kill switch declares, with the key policy letting it decrypt through Secrets Manager', async () => {
    const { denied, unused } = await problemsOf(
      killSwitchTemplate({ grantedSecret: 'RedisPassword', keyStatements: [ROLE_DECRYPTS_VIA_SECRETS_MANAGER] }),
    );
    expect(denied).toEqual([]);
    expect(unused).toEqual([]);
  });

  test('fails a role that grants another secret than the one its environment names, naming function, action and resource', async () => {
    const { denied } = await problemsOf(
      killSwitchTemplate({ grantedSecret: 'OtherSecret', keyStatements: [ROLE_DECRYPTS_VIA_SECRETS_MANAGER] }),
    );
    expect(denied).toEqual([
      expect.stringMatching(
        /^KillSwitch \(kill-switch\): secretsmanager:GetSecretValue on arn:aws:secretsmanager:eu-west-1:123456789012:secret:RedisPassword-\w+ is ImplicitlyDenied; .*declared in lambda\/kill-switch\/aws-calls\.ts/,
      ),
    ]);
  });

  test("fails when the secret's key lets nobody decrypt through Secrets Manager (the role's grant alone is not enough)", async () => {
    const { denied } = await problemsOf(killSwitchTemplate({ grantedSecret: 'RedisPassword' }));
    expect(denied).toEqual([
      expect.stringMatching(
        /^KillSwitch \(kill-switch\): kms:Decrypt on arn:aws:kms:eu-west-1:123456789012:key\/key-Key with kms:ViaService=secretsmanager\.eu-west-1\.amazonaws\.com.* is ImplicitlyDenied; .*made by the service on its behalf/,
      ),
    ]);
  });

  test("fails when the secret's resource policy denies the role", async () => {
    const { denied } = await problemsOf(
      killSwitchTemplate({
        grantedSecret: 'RedisPassword',
        keyStatements: [ROLE_DECRYPTS_VIA_SECRETS_MANAGER],
        secretPolicy: [
          { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' },
        ],
      }),
    );
    expect(denied).toEqual([
      expect.stringContaining(
        'secretsmanager:GetSecretValue on arn:aws:secretsmanager:eu-west-1:123456789012:secret:RedisPassword',
      ),
    ]);
    expect(denied[0]).toContain('is ExplicitlyDenied');
  });

  test('reports a grant no call needs', async () => {
    const { unused } = await problemsOf(
      killSwitchTemplate({
        grantedSecret: 'RedisPassword',
        keyStatements: [ROLE_DECRYPTS_VIA_SECRETS_MANAGER],
        extraStatements: [
          { Sid: 'Send', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
        ],
      }),
    );
    expect(unused).toEqual([
      {
        role: 'Role',
        statement: 'RolePolicy#Send',
        action: 'sqs:SendMessage',
        resource: 'arn:aws:sqs:eu-west-1:123456789012:Queue',
      },
    ]);
  });

  test('fails a declaration whose environment variable the construct does not set', async () => {
    const template = killSwitchTemplate({ grantedSecret: 'RedisPassword' });
    delete (template.Resources.KillSwitch!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables
      .REDIS_PASSWORD_SECRET_ARN;
    await expect(problemsOf(template)).rejects.toThrow(
      /KillSwitch \(kill-switch\) declares a call on the resource in REDIS_PASSWORD_SECRET_ARN, but its construct sets no REDIS_PASSWORD_SECRET_ARN/,
    );
  });
});

describe('the bundle check', () => {
  const bundle = (commands: { command: string; action: string }[]): HandlerBundle => ({
    handler: 'kill-switch',
    rawSigV4: false,
    commands: commands.map((c) => ({
      ...c,
      client: '@aws-sdk/client-x',
      importedBy: ['lambda/kill-switch/handler.ts'],
    })),
  });
  const declaration = HANDLER_AWS_CALLS['kill-switch'];

  test('passes when the declared actions are the commands of the bundle', () => {
    expect(
      bundleMismatches(
        declaration,
        bundle([{ command: 'GetSecretValueCommand', action: 'secretsmanager:GetSecretValue' }]),
      ),
    ).toEqual([]);
  });

  test('fails a command of the bundle the declaration does not have, and a declared call the bundle does not make', () => {
    expect(bundleMismatches(declaration, bundle([{ command: 'PublishCommand', action: 'sns:Publish' }]))).toEqual([
      expect.stringMatching(
        /^kill-switch: the bundle sends PublishCommand \(sns:Publish, imported by lambda\/kill-switch\/handler\.ts\) but lambda\/kill-switch\/aws-calls\.ts declares no sns:Publish call/,
      ),
      'kill-switch: lambda/kill-switch/aws-calls.ts declares secretsmanager:GetSecretValue, but no command of the bundle needs it',
    ]);
  });

  test('fails a bundledButNotCalled entry the bundle no longer holds', () => {
    const stale = { ...declaration, bundledButNotCalled: [{ command: 'PutItemCommand', why: 'gone' }] };
    expect(
      bundleMismatches(stale, bundle([{ command: 'GetSecretValueCommand', action: 'secretsmanager:GetSecretValue' }])),
    ).toEqual([
      'kill-switch: lambda/kill-switch/aws-calls.ts lists PutItemCommand under bundledButNotCalled, but the bundle does not hold it',
    ]);
  });

  test('finds the commands a bundle takes from the SDK clients its metafile imports, by IAM action', () => {
    const metafile = {
      inputs: {
        'lambda/x/reader.ts': {
          bytes: 1,
          imports: [{ path: '@aws-sdk/client-s3', kind: 'require-call', external: true }],
        },
        'lambda/x/model.ts': {
          bytes: 1,
          imports: [{ path: '@aws-sdk/client-bedrock-runtime', kind: 'dynamic-import', external: true }],
        },
      },
      outputs: {},
    } as unknown as Metafile;
    const code =
      'const a=require("@aws-sdk/client-s3");new a.GetObjectCommand({});b.ConverseStreamCommand;c.defineCommand;d.NotARealCommand';
    expect(commandsOf(metafile, code).map(({ command, action }) => [command, action])).toEqual([
      ['ConverseStreamCommand', 'bedrock:InvokeModelWithResponseStream'],
      ['GetObjectCommand', 's3:GetObject'],
    ]);
  });

  test('refuses a client package whose IAM prefix it does not know', () => {
    const metafile = {
      inputs: {
        'a.ts': { bytes: 1, imports: [{ path: '@aws-sdk/client-sns', kind: 'require-call', external: true }] },
      },
      outputs: {},
    };
    expect(() => commandsOf(metafile as unknown as Metafile, '')).toThrow(
      /imports @aws-sdk\/client-sns \(from a\.ts\), whose IAM service prefix is not known/,
    );
  });
});

test("IAM's wildcards: * any run, ? one character, actions without case", () => {
  expect(wildcardMatches('kms:GenerateDataKey*', 'kms:GenerateDataKey')).toBe(true);
  expect(wildcardMatches('SQS:send*', 'sqs:SendMessage', true)).toBe(true);
  expect(wildcardMatches('arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket')).toBe(false);
  expect(
    wildcardMatches('arn:aws:secretsmanager:r:a:secret:name-??????', 'arn:aws:secretsmanager:r:a:secret:name-AbCdEf'),
  ).toBe(true);
});
