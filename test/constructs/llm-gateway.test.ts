import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaFn from 'aws-cdk-lib/aws-lambda';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE_PATH, LlmGateway, ROUTER_MODEL_FILE_PATH, type LlmGatewayProps } from '../../constructs';
import { GATEWAY_ENV } from '../../lambda/contract/environment';
import { existingVpc, freshStack, fullGatewayConfig, stagedAssetDir } from '../support/construct-stacks';
import { CacheDouble, ProviderSecretsDouble, VectorStoreDouble } from '../support/data-doubles';
import { testApp } from '../support/platform-app';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

function build(overrides: Partial<LlmGatewayProps> = {}, stack: Stack = freshStack()) {
  const vpc = overrides.vpc ?? existingVpc(stack);
  const gateway = new LlmGateway(stack, 'Gateway', {
    config: fullGatewayConfig(),
    vpc,
    cache: new CacheDouble(stack, 'Cache', vpc),
    vectorStore: new VectorStoreDouble(stack, 'VectorStore', vpc),
    // anthropic is held but not used by the config: the function must not be able to read it.
    providerSecrets: new ProviderSecretsDouble(stack, 'ProviderSecrets', ['openai', 'anthropic']),
    ...overrides,
  });
  return {
    stack,
    gateway,
    /** Synthesizes on first use, so that further stacks can still join the app before. */
    get template() {
      return Template.fromStack(stack);
    },
  };
}

function statements(template: Template): Statement[] {
  const documents = [
    ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')),
    ...Object.values(template.findResources('AWS::IAM::Policy')),
  ];
  return documents.flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}
/** `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ...]]}` -> `arn:${AWS::Partition}...` */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (v.Ref) return `\${${v.Ref}}`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(flat).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

describe('LlmGateway, used alone in a fresh stack with an existing VPC', () => {
  const { gateway, template } = build();
  const fn = () => Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties;

  test('Node.js 24 on arm64, 1 GiB, 15 minutes for long streamed answers, 100 reserved, active tracing', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    expect(fn()).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 900,
      ReservedConcurrentExecutions: 100,
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
    expect(fn().Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    // TLS to Aurora is verified, against the RDS authorities the runtime loads only when asked.
    expect(fn().Environment.Variables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
  });

  test('runs only in the private application subnets, in its own security group', () => {
    expect(fn().VpcConfig.SubnetIds).toEqual(['subnet-0bba', 'subnet-0bbb']);
    expect(fn().VpcConfig.SecurityGroupIds).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^GatewaySecurityGroup/), 'GroupId'] },
    ]);
  });

  test('egress: HTTPS anywhere, a self-hosted server’s port only inside the VPC, the data stores by group', () => {
    const group = Object.values(template.findResources('AWS::EC2::SecurityGroup')).find((g) =>
      String(g.Properties.GroupDescription).startsWith('LLM gateway function'),
    )!;
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }),
      expect.objectContaining({ CidrIp: '172.16.0.0/16', FromPort: 8000, ToPort: 8000 }),
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 6380,
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CacheSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 5432,
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VectorStoreSecurityGroup'), 'GroupId'] },
    });
  });

  test('environment: config and router files in the layer, data stores by address, secrets by ARN only', () => {
    const env = fn().Environment.Variables;
    expect(env[GATEWAY_ENV.configFile]).toBe(CONFIG_FILE_PATH);
    expect(env[GATEWAY_ENV.routerModelFile]).toBeUndefined(); // no classifier routing in this config
    expect(env).toMatchObject({
      [GATEWAY_ENV.redisHost]: 'cache.example.internal',
      [GATEWAY_ENV.redisPort]: '6380',
      [GATEWAY_ENV.redisTls]: 'true',
      [GATEWAY_ENV.redisUsername]: 'gateway',
      [GATEWAY_ENV.redisPasswordSecretArn]: { Ref: expect.stringMatching(/^CacheGatewayPassword/) },
      [GATEWAY_ENV.vectorDbHost]: 'db.example.internal',
      [GATEWAY_ENV.vectorDbPort]: '5432',
      [GATEWAY_ENV.vectorDbName]: 'platform',
      [GATEWAY_ENV.vectorDbSecretArn]: { Ref: expect.stringMatching(/^VectorStoreCredentials/) },
    });
    expect(env[GATEWAY_ENV.providerSecretArns]).toEqual({
      'Fn::Join': ['', ['{"openai":"', { Ref: expect.stringMatching(/^ProviderSecretsopenai/) }, '"}']],
    });
  });

  test('no environment variable holds a secret value: only literals, references and ARNs', () => {
    const rendered = JSON.stringify(fn().Environment.Variables);
    expect(rendered).not.toMatch(/resolve:secretsmanager|SecretString|"Fn::GetAtt"/);
    expect(rendered).not.toMatch(/sk-[A-Za-z0-9]/);
  });

  test('reads exactly the secrets of the credentials its config names, and of its data stores', () => {
    const secretResources = statements(template)
      .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
      .flatMap(resourcesOf)
      .map((r) => (r as { Ref: string }).Ref);
    expect(secretResources.sort()).toEqual([
      expect.stringMatching(/^CacheGatewayPassword/),
      expect.stringMatching(/^ProviderSecretsopenai/),
      expect.stringMatching(/^VectorStoreCredentials/),
    ]);
    expect(JSON.stringify(statements(template))).not.toContain('ProviderSecretsanthropic');
  });

  test('invokes exactly its Bedrock models: a model in its region, a profile and its base model through it', () => {
    const bedrock = statements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('bedrock:')));
    expect(bedrock.map((s) => actionsOf(s).sort())).toEqual([
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
    ]);
    const profile =
      'arn:${AWS::Partition}:bedrock:us-west-2:${AWS::AccountId}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0';
    expect(resourcesOf(bedrock[0]).map(flat)).toEqual([
      'arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
      profile,
    ]);
    expect(resourcesOf(bedrock[1]).map(flat)).toEqual([
      'arn:${AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
    ]);
    const condition = bedrock[1].Condition as { StringEquals: Record<string, unknown> };
    expect(flat(condition.StringEquals['bedrock:InferenceProfileArn'])).toBe(profile);
  });

  test('no statement for secrets or Bedrock has a wildcard resource; the role has no managed AWS policy', () => {
    for (const s of statements(template)) {
      if (actionsOf(s).some((a) => /^(secretsmanager|bedrock|kms):/.test(a))) {
        expect(resourcesOf(s)).not.toContain('*');
      }
    }
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0].Properties;
    expect(role.ManagedPolicyArns).toBeUndefined(); // no AWS managed policy: its own policy names the role
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^GatewayRole') }],
    });
    template.resourceCountIs('AWS::IAM::Policy', 0); // every permission is in the role's managed policy
  });

  test('writes only to its own KMS-encrypted log group, kept a year', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayLogKey'), 'Arn'] },
        RetentionInDays: 365,
      },
      DeletionPolicy: 'Retain',
    });
    const logs = statements(template).find((s) => actionsOf(s).includes('logs:PutLogEvents'))!;
    expect(logs.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^GatewayLogGroup/), 'Arn'] });
    expect(fn().LoggingConfig).toEqual({
      LogFormat: 'JSON',
      LogGroup: { Ref: expect.stringMatching(/^GatewayLogGroup/) },
    });
  });

  test('exposes the config limits and the metrics a dashboard needs', () => {
    expect(gateway.maxBodyBytes).toBe(2 * 1024 * 1024);
    expect(gateway.timeout.toSeconds()).toBe(900);
    expect(gateway.credentials).toEqual(['openai']);
    expect(gateway.metricDuration().statistic).toBe('p99');
    expect(gateway.metricErrors().metricName).toBe('Errors');
    expect(gateway.metricThrottles().metricName).toBe('Throttles');
    expect(gateway.metricConcurrentExecutions()).toMatchObject({
      metricName: 'ConcurrentExecutions',
      statistic: 'Maximum',
    });
    expect(gateway.metricInvocations().metricName).toBe('Invocations');
  });
});

describe('LlmGateway options', () => {
  test('grantInvoke lets a principal invoke the function, and only it', () => {
    const stack = freshStack();
    const { gateway } = build({}, stack);
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    gateway.grantInvoke(caller);
    const invoke = statements(Template.fromStack(stack)).find((s) => actionsOf(s).includes('lambda:InvokeFunction'))!;
    expect(JSON.stringify(invoke.Resource)).toContain('GatewayFunction');
    expect(resourcesOf(invoke)).not.toContain('*');
  });

  test('shareRuntimeWith gives another function the layer, the wiring and exactly the gateway’s grants', () => {
    const stack = freshStack();
    const vpc = existingVpc(stack);
    const { gateway } = build({ vpc }, stack);
    const worker = new lambdaFn.Function(stack, 'Worker', {
      runtime: lambdaFn.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambdaFn.Code.fromInline('exports.handler = async () => {}'),
      vpc,
      securityGroups: gateway.connections.securityGroups,
      environment: { POWERTOOLS_SERVICE_NAME: 'worker' },
    });
    gateway.shareRuntimeWith(worker);
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function');
    const [gatewayFn, workerFn] = ['GatewayFunction', 'Worker'].map(
      (prefix) => Object.entries(functions).find(([id]) => id.startsWith(prefix))![1].Properties,
    );
    expect(workerFn.Layers).toEqual(gatewayFn.Layers);
    const { POWERTOOLS_SERVICE_NAME: own, ...wiring } = workerFn.Environment.Variables;
    const { POWERTOOLS_SERVICE_NAME: gatewayName, ...gatewayWiring } = gatewayFn.Environment.Variables;
    expect([own, gatewayName]).toEqual(['worker', 'llm-gateway']);
    expect(wiring).toEqual(gatewayWiring);
    // The worker's role reads the same secrets and invokes the same models as the gateway's.
    const policies = [
      ...Object.values(template.findResources('AWS::IAM::Policy')),
      ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')),
    ];
    const grantsOf = (rolePrefix: string) =>
      policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(rolePrefix))
        .flatMap((p) =>
          (p.Properties.PolicyDocument.Statement as Statement[]).filter(
            (s) => !actionsOf(s).some((a) => a.startsWith('logs:') || a.startsWith('xray:') || a.startsWith('ec2:')),
          ),
        )
        .map((s) => JSON.stringify({ a: s.Action, r: s.Resource, c: s.Condition }))
        .sort();
    const workerGrants = grantsOf('WorkerServiceRole');
    expect(workerGrants.length).toBeGreaterThan(0);
    expect(workerGrants).toEqual(grantsOf('GatewayRole'));
  });

  test('memory, timeout and reserved concurrency come from props; an existing role and security group are used', () => {
    const stack = freshStack();
    const vpc = existingVpc(stack);
    const role = new iam.Role(stack, 'OwnRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const group = new ec2.SecurityGroup(stack, 'OwnGroup', { vpc });
    const { template } = build(
      {
        config: {
          models: { m: { deployments: ['b'] } },
          deployments: { b: { provider: 'builtin', model: 'x', pricing: { input: 0, output: 0 } } },
        },
        vpc,
        cache: undefined,
        vectorStore: undefined,
        providerSecrets: undefined,
        memorySize: 2048,
        timeout: Duration.minutes(10),
        reservedConcurrentExecutions: 7,
        role,
        securityGroups: [group],
      },
      stack,
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Timeout: 600,
      ReservedConcurrentExecutions: 7,
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnRole'), 'Arn'] },
      VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnGroup'), 'GroupId'] }] },
    });
  });

  test('with classifier routing, the router model travels in the layer beside the config', () => {
    const app = testApp();
    const stack = freshStack(app);
    const config = fullGatewayConfig();
    const { gateway } = build(
      {
        config: {
          ...config,
          models: { ...config.models, small: { deployments: ['nova'] }, big: { deployments: ['claude'] } },
          routing: {
            tiers: {
              small: { model: 'small' },
              code: { model: 'big' },
              reasoning: { model: 'big' },
              local: { model: 'local' },
            },
            classifier: {},
            defaultTier: 'small',
          },
        },
      },
      stack,
    );
    app.synth();
    const layer = gateway.node.findChild('ConfigLayer').node.defaultChild as lambda.CfnLayerVersion;
    const layerDir = stagedAssetDir(app, layer);
    expect(JSON.parse(readFileSync(path.join(layerDir, 'llm-gateway', 'router-model.json'), 'utf8')).version).toBe(2);
    const env = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    expect(Object.values(env)[0].Properties.Environment.Variables[GATEWAY_ENV.routerModelFile]).toBe(
      ROUTER_MODEL_FILE_PATH,
    );
  });
});

describe('LlmGateway refuses bad props, saying what to do', () => {
  const attempt = (overrides: Partial<LlmGatewayProps>) => () => build(overrides);

  test('an invalid config names the field and where the schema is', () => {
    const config = fullGatewayConfig();
    expect(
      attempt({
        config: {
          ...config,
          deployments: { ...config.deployments, nova: { ...config.deployments.nova, region: undefined as never } },
        },
      }),
    ).toThrow(
      /LlmGateway Importer\/Gateway: the gateway config is invalid:\n {2}- deployments\.nova\.region: is required for provider "bedrock"\nFix the `config` prop \(its schema is lambda\/contract\/config\/gateway-config\.ts/,
    );
  });

  test('a routing tier naming a model the config lacks', () => {
    expect(
      attempt({ config: { ...fullGatewayConfig(), routing: { tiers: { a: { model: 'nope' } }, defaultTier: 'a' } } }),
    ).toThrow('routing.tiers.a.model: "nope" is not a chat model of this config');
  });

  test('a credential referenced but not provided', () => {
    const stack = freshStack();
    expect(() => build({ providerSecrets: new ProviderSecretsDouble(stack, 'Only', ['anthropic']) }, stack)).toThrow(
      'deployments.openai.credential is "openai" but the providerSecrets hold only "anthropic": add "openai" to them, or remove the credential from the deployment',
    );
    expect(attempt({ providerSecrets: undefined })).toThrow(
      'deployments.openai.credential is "openai" but no `providerSecrets` are given: pass a ProviderSecrets holding it',
    );
  });

  test('shared-state sections without a cache, a semantic cache without a vector store', () => {
    expect(attempt({ cache: undefined })).toThrow(
      'the config has exactCache but no `cache` is given: each instance would count alone. Pass a ResponseCache',
    );
    expect(attempt({ vectorStore: undefined })).toThrow(
      'the config has semanticCache but no `vectorStore` is given: pass a VectorStore (or any IVectorStore), or remove semanticCache',
    );
  });

  test('a timeout shorter than a deployment’s total timeout, or beyond 15 minutes', () => {
    expect(attempt({ timeout: Duration.minutes(2) })).toThrow(
      'deployments.openai.timeouts.totalMs is 300000 ms but the function times out after 120 s: raise `timeout` or lower totalMs',
    );
    expect(attempt({ timeout: Duration.minutes(20) })).toThrow('timeout is 1200 s; give 1 s to 15 minutes');
  });

  test('public subnets, and impossible memory or concurrency', () => {
    expect(attempt({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } })).toThrow(
      'vpcSubnets selects public subnets; the gateway must run in private subnets',
    );
    expect(attempt({ memorySize: 64, reservedConcurrentExecutions: 0 })).toThrow(
      /memorySize is 64; give a whole number of MiB from 128 to 10240\n {2}- reservedConcurrentExecutions is 0/,
    );
  });
});

describe('LlmGateway bundling', () => {
  const app = testApp();
  const dev = build({}, freshStack(app));
  const other = build(
    { config: { ...fullGatewayConfig(), limits: { maxBodyBytes: 1024 * 1024 } } },
    freshStack(app, 'Other'),
  );
  app.synth();
  const codeDir = (gateway: LlmGateway) =>
    stagedAssetDir(app, gateway.function.node.defaultChild as lambda.CfnFunction);
  const layerDir = (gateway: LlmGateway) =>
    stagedAssetDir(app, gateway.node.findChild('ConfigLayer').node.defaultChild as lambda.CfnLayerVersion);

  test('two gateways with different configs share one code bundle, and each gets its own config', () => {
    expect(codeDir(other.gateway)).toBe(codeDir(dev.gateway));
    expect(layerDir(other.gateway)).not.toBe(layerDir(dev.gateway));
    const configOf = (g: LlmGateway) =>
      JSON.parse(readFileSync(path.join(layerDir(g), 'llm-gateway', 'gateway-config.json'), 'utf8'));
    expect(configOf(dev.gateway).limits.maxBodyBytes).toBe(2 * 1024 * 1024);
    expect(configOf(other.gateway).limits.maxBodyBytes).toBe(1024 * 1024);
  });

  test('the bundle is minified, links its source map, and leaves the AWS SDK to the runtime', () => {
    const bundle = readFileSync(path.join(codeDir(dev.gateway), 'index.js'), 'utf8');
    expect(statSync(path.join(codeDir(dev.gateway), 'index.js.map')).size).toBeGreaterThan(0);
    expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
    expect(bundle).not.toContain('createDeployedGateway'); // minified: internal names are gone
    // loaded on the first Bedrock call only, from the runtime's copy
    expect(bundle).toMatch(/(?:import|require)\("@aws-sdk\/client-bedrock-runtime"\)/);
    expect(bundle).not.toMatch(/@license|@preserve/);
  });

  test('the shipped bundle starts in a bare Node process and answers, with its layer’s config', () => {
    const probe = `
      const { PassThrough } = require('node:stream');
      let prelude;
      globalThis.awslambda = {
        streamifyResponse: (h) => h,
        HttpResponseStream: { from: (s, p) => ((prelude = p), s) },
      };
      const { handler } = require(${JSON.stringify(path.join(codeDir(dev.gateway), 'index.js'))});
      const out = new PassThrough();
      let body = '';
      out.on('data', (c) => (body += c));
      const event = { httpMethod: 'GET', path: '/health', headers: {}, body: null, isBase64Encoded: false, requestContext: { stage: 'v1' } };
      handler(event, out, { getRemainingTimeInMillis: () => 30000 }).then(() => {
        console.log(JSON.stringify({ status: prelude.statusCode, body }));
        process.exit(0);
      });`;
    const builtinLayer = layerDir(dev.gateway);
    const output = execFileSync(process.execPath, ['-e', probe], {
      env: {
        PATH: process.env.PATH,
        // The Lambda runtime provides the AWS SDK; here the project's node_modules stands in for it.
        NODE_PATH: path.join(__dirname, '..', '..', 'node_modules'),
        [GATEWAY_ENV.configFile]: path.join(builtinLayer, 'llm-gateway', 'gateway-config.json'),
        [GATEWAY_ENV.vectorDbUrl]: 'postgres://127.0.0.1:1/none',
        AWS_REGION: 'us-east-1',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({ status: 200, body: '{"status":"ok"}' });
  });
});
