import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  ACCESS_LOG_FIELDS,
  COUNTED_COMMON_BODY_RULES,
  GatewayApi,
  LlmGateway,
  type GatewayApiProps,
} from '../../constructs';
import { AUTHORIZER_ENV } from '../../lambda/contract/environment';
import { existingVpc, freshStack } from '../support/construct-stacks';

function build(overrides: Partial<GatewayApiProps> = {}) {
  const stack = freshStack();
  const vpc = existingVpc(stack);
  const gateway = new LlmGateway(stack, 'Gateway', {
    vpc,
    config: {
      models: { m: { deployments: ['b'] } },
      deployments: { b: { provider: 'builtin', model: 'x', pricing: { input: 0, output: 0 } } },
      limits: { maxBodyBytes: 4_194_304 },
    },
  });
  const api = new GatewayApi(stack, 'Api', { gateway, vpc, ...overrides });
  return {
    stack,
    api,
    gateway,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

/** Template JSON, navigated freely in assertions. */
type Json = ReturnType<typeof JSON.parse>;
type Resource = { Properties: Record<string, unknown> };
const values = (template: Template, type: string) => Object.values(template.findResources(type)) as Resource[];

describe('GatewayApi, used alone in a fresh stack', () => {
  const { api, template } = build();
  const methods = values(template, 'AWS::ApiGateway::Method').map((m) => m.Properties);
  const pathOf = (method: Record<string, unknown>) =>
    JSON.stringify(method.ResourceId).match(/Api(chatcompletions|embeddings|models|health)/)?.[1];

  test('a regional REST API with a v1 stage, API keys taken from the authorizer', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      ApiKeySourceType: 'AUTHORIZER',
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'v1', TracingEnabled: true });
    expect(api.stageName).toBe('v1');
  });

  test('every gateway route streams the function’s response, with the function’s timeout', () => {
    expect(methods.map((m) => [pathOf(m), m.HttpMethod]).sort()).toEqual([
      ['chatcompletions', 'POST'],
      ['embeddings', 'POST'],
      ['health', 'GET'],
      ['models', 'GET'],
    ]);
    for (const method of methods) {
      const integration = method.Integration as Record<string, unknown>;
      expect(integration).toMatchObject({ Type: 'AWS_PROXY', ResponseTransferMode: 'STREAM' });
      expect(JSON.stringify(integration.Uri)).toContain('/2021-11-15/functions/');
      expect(JSON.stringify(integration.Uri)).toContain('/response-streaming-invocations');
      if (pathOf(method) !== 'health') expect(integration.TimeoutInMillis).toBe(900_000);
    }
  });

  test('every route but GET /health has the authorizer and requires the tier usage key', () => {
    for (const method of methods) {
      if (pathOf(method) === 'health') {
        expect(method).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: false });
      } else {
        expect(method).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: expect.stringMatching(/^ApiAuthorizer/) },
          ApiKeyRequired: true,
        });
      }
    }
  });

  test('API Gateway invokes the functions as one role naming each; no function has a resource policy', () => {
    // CT.LAMBDA.PR.2 reads a Lambda permission as public unless its source is a literal.
    expect(template.findResources('AWS::Lambda::Permission')).toEqual({});
    expect(template.findResources('AWS::IAM::Policy')).toEqual({});
    const [[roleId, role]] = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) =>
      id.startsWith('ApiInvokeRole'),
    );
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } },
    ]);
    const credentials = { 'Fn::GetAtt': [roleId, 'Arn'] };
    for (const method of methods) expect((method.Integration as Json).Credentials).toEqual(credentials);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerCredentials: credentials });
    const policy = values(template, 'AWS::IAM::ManagedPolicy').find(
      (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
    )!.Properties as Json;
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': [expect.stringMatching(/^ApiAuthorizerFunction/), 'Arn'] },
          { 'Fn::GetAtt': [expect.stringMatching(/^GatewayFunction/), 'Arn'] },
        ],
      },
    ]);
  });

  test('the authorizer is a REQUEST authorizer cached per Authorization header for a minute', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 60,
    });
  });

  test('request bodies are validated against models for chat and embeddings', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    const withModels = methods.filter((m) => m.RequestModels);
    expect(withModels.map(pathOf).sort()).toEqual(['chatcompletions', 'embeddings']);
    for (const m of withModels) expect(m.RequestValidatorId).toBeDefined();
    const schemas = values(template, 'AWS::ApiGateway::Model').map(
      (m) => m.Properties.Schema as Record<string, unknown>,
    );
    expect(schemas.map((s) => s.required)).toEqual(
      expect.arrayContaining([
        ['model', 'messages'],
        ['model', 'input'],
      ]),
    );
  });

  test('access logs go to a KMS-encrypted log group, as JSON without bodies, headers or keys', () => {
    const stage = values(template, 'AWS::ApiGateway::Stage')[0].Properties;
    const setting = stage.AccessLogSetting as { Format: string; DestinationArn: unknown };
    expect(JSON.stringify(setting.DestinationArn)).toMatch(/:log-group:.*"Ref":"ApiAccessLogs/);
    const format = JSON.parse(setting.Format) as Record<string, string>;
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    const variables = Object.values(format);
    for (const variable of variables) expect(variable).toMatch(/^\$context\.[A-Za-z.]+$/);
    expect(
      variables.filter((v) => /body|input|header|authorization|apiKey|requestOverride|querystring/i.test(v)),
    ).toEqual([]);
    expect(format.tenant).toBe('$context.authorizer.tenant');
    const group = template.findResources('AWS::Logs::LogGroup');
    const accessGroup = Object.entries(group).find(([id]) => id.startsWith('ApiAccessLogs'))![1];
    expect(accessGroup.Properties.KmsKeyId).toBeDefined();
    expect(accessGroup.Properties.RetentionInDays).toBe(365);
  });

  test('execution logs only at ERROR, never data traces, into a pre-created encrypted group', () => {
    const settings = values(template, 'AWS::ApiGateway::Stage')[0].Properties.MethodSettings as Array<
      Record<string, unknown>
    >;
    for (const s of settings)
      expect(s).toMatchObject({ LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: {
        'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.stringLikeRegexp('^Api') }, '/v1']],
      },
      KmsKeyId: Match.anyValue(),
    });
  });

  test('stage and method throttles: stage-wide, models and health lower', () => {
    const settings = values(template, 'AWS::ApiGateway::Stage')[0].Properties.MethodSettings as Array<
      Record<string, unknown>
    >;
    expect(settings.map((s) => [s.ResourcePath, s.HttpMethod, s.ThrottlingRateLimit, s.ThrottlingBurstLimit])).toEqual([
      ['/*', '*', 500, 1000],
      ['/~1models', 'GET', 50, 100],
      ['/~1health', 'GET', 10, 20],
    ]);
  });

  test('one usage plan per tier on the stage, each with the key the authorizer names', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 1_000_000, Period: 'DAY' },
      ApiStages: [{ ApiId: { Ref: Match.stringLikeRegexp('^Api') }, Stage: { Ref: Match.stringLikeRegexp('Stage') } }],
    });
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', {
      Value: { 'Fn::Join': ['', ['llm-usage-', { Ref: Match.stringLikeRegexp('^Api') }, '-standard']] },
    });
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
  });

  test('gateway responses answer in the OpenAI error format', () => {
    const responses = values(template, 'AWS::ApiGateway::GatewayResponse').map((r) => r.Properties);
    const byType = new Map(responses.map((r) => [r.ResponseType, r]));
    expect(byType.get('UNAUTHORIZED')).toMatchObject({ StatusCode: '401' });
    expect(byType.get('MISSING_AUTHENTICATION_TOKEN')).toMatchObject({ StatusCode: '404' });
    expect(byType.get('THROTTLED')).toMatchObject({ StatusCode: '429' });
    const body = (byType.get('UNAUTHORIZED')!.ResponseTemplates as Record<string, string>)['application/json'];
    expect(JSON.parse(body)).toEqual({
      error: {
        message: 'Incorrect or missing API key. Send it in the Authorization header as a bearer token.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
  });

  test('a WAF web ACL is associated with the stage: managed rules, body size at the gateway limit, rate per IP', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiFirewallWebAcl'), 'Arn'] },
    });
    const association = values(template, 'AWS::WAFv2::WebACLAssociation')[0].Properties;
    expect(JSON.stringify(association.ResourceArn)).toContain('/stages/');
    const acl = values(template, 'AWS::WAFv2::WebACL')[0].Properties as {
      Scope: string;
      Rules: Json[];
    };
    expect(acl.Scope).toBe('REGIONAL');
    const names = acl.Rules.map((r) => r.Name);
    expect(names).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesCommonRuleSet',
      'BodyLargerThanGatewayLimit',
      'RatePerClientIp',
    ]);
    const common = acl.Rules[2].Statement.ManagedRuleGroupStatement;
    expect(common.RuleActionOverrides.map((o: Json) => [o.Name, Object.keys(o.ActionToUse)])).toEqual(
      COUNTED_COMMON_BODY_RULES.map((rule) => [rule, ['Count']]),
    );
    const size = acl.Rules[3];
    expect(size.Action).toEqual({ Block: {} });
    const pattern = new RegExp(size.Statement.RegexMatchStatement.RegexString);
    expect(size.Statement.RegexMatchStatement.FieldToMatch).toEqual({ SingleHeader: { Name: 'content-length' } });
    expect(pattern.test('4194304')).toBe(false); // a prompt at the gateway's limit passes
    expect(pattern.test('4194305')).toBe(true);
    expect(acl.Rules[4].Statement.RateBasedStatement).toEqual({
      Limit: 3000,
      AggregateKeyType: 'IP',
      EvaluationWindowSec: 300,
    });
  });

  test('firewall decisions are logged to an encrypted aws-waf-logs- group with the Authorization header redacted', () => {
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: Match.arrayWith([{ SingleHeader: { Name: 'authorization' } }]),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
      KmsKeyId: Match.anyValue(),
    });
  });

  test('the authorizer: private subnets, reads only key hashes by GetItem, knows the table and the tiers', () => {
    const authorizer = values(template, 'AWS::Lambda::Function').find((f) =>
      String(f.Properties.Description).startsWith('Verifies LLM gateway API keys'),
    )!.Properties as Json;
    expect(authorizer.VpcConfig.SubnetIds).toEqual(['subnet-0bba', 'subnet-0bbb']);
    expect(authorizer).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 50,
    });
    expect(authorizer.Environment.Variables[AUTHORIZER_ENV.tiers]).toBe('standard');
    expect(authorizer.Environment.Variables[AUTHORIZER_ENV.keyTable]).toEqual({
      Ref: expect.stringMatching(/^ApiKeyTable/),
    });
    const dynamo = values(template, 'AWS::IAM::ManagedPolicy')
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement)
      .filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ApiKeyTable/), 'Arn'] },
      }),
    ]);
    const decrypt = values(template, 'AWS::IAM::ManagedPolicy')
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement)
      .filter((s) => s.Action === 'kms:Decrypt');
    expect(decrypt).toContainEqual(
      expect.objectContaining({ Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ApiKeyTableKey/), 'Arn'] } }),
    );
  });

  test('the key table: hashes by partition key, a tenant index, point-in-time recovery, kept, its own key', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'keyHash', KeyType: 'HASH' }],
        // A customer-managed key, not DynamoDB's own (CT.DYNAMODB.PR.2).
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiKeyTableKey'), 'Arn'] },
        },
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byTenant' })],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('metrics for dashboards', () => {
    expect(api.metricLatency().statistic).toBe('p99');
    expect(api.metricServerErrors().metricName).toBe('5XXError');
    expect(api.metricClientErrors().metricName).toBe('4XXError');
    expect(api.metricCount().metricName).toBe('Count');
  });
});

describe('GatewayApi.addRoute', () => {
  test('adds an authenticated, validated, throttled /v1 route for another function', () => {
    const { stack, api } = build();
    const jobs = new lambda.Function(stack, 'Jobs', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 202 })'),
    });
    api.addRoute('/jobs', 'POST', jobs, {
      requestSchema: { type: apigateway.JsonSchemaType.OBJECT, required: ['model'] },
      throttle: { rateLimit: 5, burstLimit: 10 },
    });
    const template = Template.fromStack(stack);
    const method = values(template, 'AWS::ApiGateway::Method')
      .map((m) => m.Properties)
      .find((m) => JSON.stringify(m.ResourceId).includes('Apijobs'))!;
    expect(method).toMatchObject({
      AuthorizationType: 'CUSTOM',
      ApiKeyRequired: true,
      Integration: { ResponseTransferMode: 'BUFFERED', TimeoutInMillis: 29_000 },
    });
    expect(method.RequestValidatorId).toBeDefined();
    expect(method.RequestModels).toBeDefined();
    expect(JSON.stringify(method.Integration)).toContain('/2015-03-31/functions/');
    const invoke = values(template, 'AWS::IAM::ManagedPolicy')
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Json[] }).Statement)
      .filter((s) => s.Action === 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke)).toContain('{"Fn::GetAtt":["JobsDF1CC2D4","Arn"]}');
    expect(template.findResources('AWS::Lambda::Permission')).toEqual({});
    const settings = values(template, 'AWS::ApiGateway::Stage')[0].Properties.MethodSettings as Array<
      Record<string, unknown>
    >;
    expect(settings).toContainEqual(
      expect.objectContaining({ ResourcePath: '/~1jobs', HttpMethod: 'POST', ThrottlingRateLimit: 5 }),
    );
  });

  test('refuses a path that is not a clean route, and the reserved /health', () => {
    const { stack, api } = build();
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111122223333:function:f');
    for (const bad of ['jobs', '/jobs/', '/Jobs', '/health', '/{id}', '/jobs/{}', '/jobs/{id}x', '/jobs/{1d}']) {
      expect(() => api.addRoute(bad, 'GET', fn)).toThrow(`route "${bad}" is not valid; give a path such as "/jobs"`);
    }
  });
});

test('a {parameter} segment after the first makes a path-parameter resource', () => {
  const { stack, api } = build();
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111122223333:function:f');
  api.addRoute('/jobs/{id}', 'GET', fn, { throttle: { rateLimit: 20, burstLimit: 40 } });
  api.addRoute('/collections/{name}/versions/{version}', 'DELETE', fn);
  const template = Template.fromStack(stack);
  const parts = values(template, 'AWS::ApiGateway::Resource').map((r) => r.Properties.PathPart);
  expect(parts).toEqual(expect.arrayContaining(['jobs', '{id}', 'collections', '{name}', 'versions', '{version}']));
  const settings = values(template, 'AWS::ApiGateway::Stage')[0].Properties.MethodSettings as Array<
    Record<string, unknown>
  >;
  expect(settings).toContainEqual(
    expect.objectContaining({ ResourcePath: '/~1jobs~1{id}', HttpMethod: 'GET', ThrottlingRateLimit: 20 }),
  );
});

describe('GatewayApi options and refusals', () => {
  test('tiers, throttles, WAF rate, cache TTL, an existing key table', () => {
    const second = freshStack();
    const vpc = existingVpc(second);
    const gateway = new LlmGateway(second, 'Gateway', {
      vpc,
      config: {
        models: { m: { deployments: ['b'] } },
        deployments: { b: { provider: 'builtin', model: 'x', pricing: { input: 0, output: 0 } } },
      },
    });
    const keyTable = dynamodb.Table.fromTableName(second, 'Keys', 'existing-keys');
    new GatewayApi(second, 'Api', {
      gateway,
      vpc,
      keyTable,
      tiers: {
        free: { rateLimit: 1, burstLimit: 2, quota: { limit: 1000, period: 'MONTH' } },
        pro: { rateLimit: 100, burstLimit: 200 },
      },
      throttle: { rateLimit: 70, burstLimit: 140 },
      ratePerIp: 500,
      rateWindowSeconds: 60,
      authorizerCacheTtl: Duration.minutes(5),
    });
    const template = Template.fromStack(second);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 2);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Quota: { Limit: 1000, Period: 'MONTH' } });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 300 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [AUTHORIZER_ENV.keyTable]: 'existing-keys', [AUTHORIZER_ENV.tiers]: 'free,pro' }),
      },
    });
    const acl = values(template, 'AWS::WAFv2::WebACL')[0].Properties as { Rules: Json[] };
    expect(acl.Rules[4].Statement.RateBasedStatement).toMatchObject({ Limit: 500, EvaluationWindowSec: 60 });
  });

  test('bad props are refused, each with what to do', () => {
    const attempt = () =>
      build({
        tiers: { 'Gold Tier': { rateLimit: 1, burstLimit: 1 } },
        ratePerIp: 5,
        rateWindowSeconds: 30,
        authorizerCacheTtl: Duration.hours(2),
      });
    expect(attempt).toThrow(`tier "Gold Tier" is not a valid name: use lower-case letters, digits, '.', '_' or '-'`);
    expect(attempt).toThrow('ratePerIp is 5; WAF accepts 10 to 2,000,000,000 requests per window');
    expect(attempt).toThrow('rateWindowSeconds is 30; WAF accepts 60, 120, 300 or 600');
    expect(attempt).toThrow('authorizerCacheTtl is 7200 s; API Gateway caches verdicts for at most 3600 s');
  });

  test('a gateway body limit above what API Gateway accepts is refused', () => {
    const stack = freshStack();
    const vpc = existingVpc(stack);
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111122223333:function:f');
    expect(
      () =>
        new GatewayApi(stack, 'Api', {
          vpc,
          gateway: { function: fn, timeout: Duration.minutes(1), maxBodyBytes: 20 * 1024 * 1024 },
        }),
    ).toThrow('API Gateway refuses any above 10485760: lower limits.maxBodyBytes in the gateway config');
  });
});
