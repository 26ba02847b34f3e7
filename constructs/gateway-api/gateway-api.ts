import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  KEY_NAME,
  KEY_TABLE_PARTITION_KEY,
  KEY_TABLE_TENANT_INDEX,
  usagePlanKeyValue,
} from '../../lambda/contract/api-keys';
import { AUTHORIZER_ENV } from '../../lambda/contract/environment';
import { VpcFunctionRole } from '../shared/function-role';
import { customerManagedKey } from '../shared/customer-managed-key';
import { logEncryptionKey } from '../shared/log-encryption';
import {
  FUNCTION_DLQ_RULES,
  SYNCHRONOUS_FUNCTION_DLQ_REASON,
  acknowledgeRules,
  managedPolicyFinding,
} from '../shared/nag-acknowledgments';
import { PLATFORM_FUNCTION_ENVIRONMENT, platformFunction } from '../shared/platform-function';
import { accessLogFormat } from './access-log';
import { ApiInvoker } from './api-invoker';
import { addOpenAiGatewayResponses } from './openai-errors';
import { CHAT_COMPLETIONS_SCHEMA, EMBEDDINGS_SCHEMA } from './request-models';
import { GatewayWebAcl } from './web-acl';
import { API_ROUTES } from '../../lambda/contract/routes';

/** What the API fronts: the gateway function, how long it may run, the largest body it accepts. */
export interface GatewayBackend {
  /** A function that speaks API Gateway's REST response streaming (e.g. `LlmGateway.function`). */
  readonly function: lambda.IFunction;
  /** How long one request may run. */
  readonly timeout: Duration;
  /** The largest request body the gateway accepts (`limits.maxBodyBytes` of its config). */
  readonly maxBodyBytes: number;
}

export interface Throttle {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Requests allowed at once above the steady rate. */
  readonly burstLimit: number;
}

/** A usage tier: its usage plan throttles and caps the tier's keys together. */
export interface UsageTier extends Throttle {
  /** Requests per period for the whole tier. @default - no quota */
  readonly quota?: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' };
}

export interface RouteOptions {
  /** JSON Schema the request body must satisfy. @default - no body validation */
  readonly requestSchema?: apigateway.JsonSchema;
  /** Stream the function's response (it must be written with `awslambda.streamifyResponse`). @default false */
  readonly streaming?: boolean;
  /** Integration timeout. @default - the backend's timeout when streaming, else 29 seconds */
  readonly timeout?: Duration;
  /** Method throttle for this route. @default - the stage throttle */
  readonly throttle?: Throttle;
}

export interface GatewayApiProps {
  /** The gateway function (an `LlmGateway`, or any `GatewayBackend`). */
  readonly gateway: GatewayBackend;
  /** The VPC the authorizer function runs in. */
  readonly vpc: ec2.IVpc;
  /**
   * Where the authorizer runs. Must be private.
   * @default - the private subnets with egress (`Network.applicationSubnets`)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The stage, which is the API's version prefix.
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Usage tiers by name; each key in the key table names one.
   * @default { standard: 50 requests/s, burst 100, 1,000,000 a day }
   */
  readonly tiers?: Readonly<Record<string, UsageTier>>;
  /**
   * Throttle for the whole stage (every caller together).
   * @default 500 requests/s, burst 1000
   */
  readonly throttle?: Throttle;
  /**
   * Method throttles of the built-in routes.
   * @default - chat and embeddings the stage throttle, models 50/100, health 10/20
   */
  readonly routeThrottles?: Partial<Record<'chatCompletions' | 'embeddings' | 'models' | 'health', Throttle>>;
  /**
   * Requests one client IP may send within `rateWindowSeconds` before the firewall blocks it.
   * @default 3000
   */
  readonly ratePerIp?: number;
  /**
   * Window of the per-IP rate rule: 60, 120, 300 or 600 seconds.
   * @default 300
   */
  readonly rateWindowSeconds?: number;
  /**
   * The key table (partition key `keyHash`, index `byTenant`) to use instead of a new one.
   * @default - a new on-demand table with point-in-time recovery
   */
  readonly keyTable?: dynamodb.ITable;
  /**
   * How long the authorizer's verdict for one Authorization header is reused; a revoked key keeps
   * working at most this long.
   * @default Duration.minutes(1)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Concurrency reserved for (and capping) the authorizer.
   * @default 50
   */
  readonly authorizerReservedConcurrency?: number;
  /**
   * Create API Gateway's account-wide CloudWatch role (needed once per account and region for
   * execution logs). Set false when the account already has one.
   * @default true
   */
  readonly cloudWatchRole?: boolean;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Key of the access, execution, firewall and authorizer logs. @default - a new key with rotation */
  readonly encryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The largest body API Gateway REST APIs accept. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;
/** Integrations that buffer cannot run longer than this without a quota increase. */
const BUFFERED_TIMEOUT = Duration.seconds(29);
/** Lower-case segments; a `{parameter}` segment may follow the first (`/jobs/{id}`). */
const ROUTE = /^\/[a-z0-9][a-z0-9._-]*(\/([a-z0-9][a-z0-9._-]*|\{[a-z][A-Za-z0-9]*\}))*$/;

interface MethodSetting {
  readonly resourcePath: string;
  readonly httpMethod: string;
  readonly throttle: Throttle;
}

/**
 * The gateway's public edge: an API Gateway REST API (regional) whose `/v1` stage proxies
 * `/v1/chat/completions`, `/v1/embeddings` and `/v1/models` to the gateway function with response
 * streaming (answers may run past 29 seconds, up to the function's timeout), validates the JSON
 * bodies, authenticates every caller but `GET /v1/health` with a Lambda authorizer that verifies
 * hashed API keys and maps each to a tenant and a usage tier, throttles per stage, route and tier,
 * logs every request without bodies or keys to an encrypted log group, and sits behind a WAF.
 */
export class GatewayApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly stage: apigateway.Stage;
  /** Verifies API keys; API Gateway caches its verdicts per Authorization header. */
  readonly authorizer: apigateway.RequestAuthorizer;
  readonly authorizerFunction: lambda.Function;
  /** API key hashes -> tenant, tier, models, status, expiry. */
  readonly keyTable: dynamodb.ITable;
  readonly accessLogGroup: logs.LogGroup;
  readonly webAcl: GatewayWebAcl;
  /** Usage plans by tier. */
  readonly usagePlans: Readonly<Record<string, apigateway.UsagePlan>>;
  /** `https://{id}.execute-api.{region}.amazonaws.com/v1/`: the base URL for OpenAI SDKs. */
  readonly url: string;

  /** The stage name, which is the API's version prefix (`v1`). */
  readonly stageName: string;

  private readonly validator: apigateway.RequestValidator;
  private readonly backend: GatewayBackend;
  private readonly invoker: ApiInvoker;
  private readonly methodSettings: MethodSetting[] = [];

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    const where = `GatewayApi ${this.node.path}`;
    const tiers = props.tiers ?? {
      standard: { rateLimit: 50, burstLimit: 100, quota: { limit: 1_000_000, period: 'DAY' as const } },
    };
    const throttle = props.throttle ?? { rateLimit: 500, burstLimit: 1000 };
    const ratePerIp = props.ratePerIp ?? 3000;
    const rateWindowSeconds = props.rateWindowSeconds ?? 300;
    const cacheTtl = props.authorizerCacheTtl ?? Duration.minutes(1);
    checkProps(where, props, tiers, ratePerIp, rateWindowSeconds, cacheTtl);
    this.backend = props.gateway;
    this.invoker = new ApiInvoker(this, 'InvokeRole');
    const stageName = (this.stageName = props.stageName ?? 'v1');
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const key =
      props.encryptionKey ??
      logEncryptionKey(this, 'LogKey', `Encrypts the API logs of ${this.node.path}`, removalPolicy);
    const logGroup = (logId: string, logGroupName?: string) =>
      new logs.LogGroup(this, logId, { logGroupName, encryptionKey: key, retention, removalPolicy });

    this.accessLogGroup = logGroup('AccessLogs');
    this.api = new apigateway.RestApi(this, 'Api', {
      description: `LLM gateway API (${this.node.path})`,
      endpointTypes: [apigateway.EndpointType.REGIONAL], // streams idle out after 30 s on edge-optimized
      apiKeySourceType: apigateway.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: props.cloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
        tracingEnabled: true,
        metricsEnabled: true,
        // ERROR only: INFO execution logs print request headers, Authorization included.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    });
    this.stage = this.api.deploymentStage;
    acknowledgeApi(this.api);
    this.url = this.api.url;
    // API Gateway creates the execution log group itself, unencrypted and kept forever, unless it exists.
    logGroup('ExecutionLogs', `API-Gateway-Execution-Logs_${this.api.restApiId}/${stageName}`);
    this.renderMethodSettings(throttle);
    addOpenAiGatewayResponses(this.api);
    this.validator = this.api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    this.keyTable = props.keyTable ?? this.createKeyTable(removalPolicy);
    this.authorizerFunction = this.createAuthorizerFunction(props, Object.keys(tiers), logGroup('AuthorizerLogs'));
    this.authorizer = new apigateway.RequestAuthorizer(this, 'Authorizer', {
      handler: this.authorizerFunction,
      assumeRole: this.invoker.authorizerRole(this.authorizerFunction),
      identitySources: [apigateway.IdentitySource.header('Authorization')],
      resultsCacheTtl: cacheTtl,
    });

    this.usagePlans = Object.fromEntries(
      Object.entries(tiers).map(([tier, settings]) => [tier, this.addTier(tier, settings)]),
    );

    const routes = props.routeThrottles ?? {};
    const gatewayRoute = { streaming: true, timeout: props.gateway.timeout };
    this.addRoute(API_ROUTES.chatCompletions.path, API_ROUTES.chatCompletions.method, props.gateway.function, {
      ...gatewayRoute,
      requestSchema: CHAT_COMPLETIONS_SCHEMA,
      throttle: routes.chatCompletions,
    });
    this.addRoute(API_ROUTES.embeddings.path, API_ROUTES.embeddings.method, props.gateway.function, {
      ...gatewayRoute,
      requestSchema: EMBEDDINGS_SCHEMA,
      throttle: routes.embeddings,
    });
    this.addRoute(API_ROUTES.models.path, API_ROUTES.models.method, props.gateway.function, {
      ...gatewayRoute,
      throttle: routes.models ?? { rateLimit: 50, burstLimit: 100 },
    });
    this.addHealthRoute(routes.health ?? { rateLimit: 10, burstLimit: 20 });

    // Deployed once the role may invoke what the stage routes to.
    this.api.latestDeployment?.node.addDependency(this.invoker.role.permissions);

    this.webAcl = new GatewayWebAcl(this, 'Firewall', {
      stageArn: this.stage.stageArn,
      maxBodyBytes: props.gateway.maxBodyBytes,
      ratePerIp,
      rateWindowSeconds,
      encryptionKey: key,
      logRetention: retention,
      removalPolicy,
    });
  }

  /**
   * Adds an authenticated `/v1{path}` route with the same authorizer, usage plans, validation,
   * logging and firewall as the gateway's own routes (for the embedding service, async jobs, ...).
   */
  addRoute(
    path: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    handler: lambda.IFunction,
    options: RouteOptions = {},
  ): apigateway.Method {
    if (!ROUTE.test(path) || path === '/health') {
      throw new Error(
        `GatewayApi ${this.node.path}: route "${path}" is not valid; give a path such as "/jobs" or "/jobs/{id}" ` +
          '(lower-case segments, {parameter} segments after the first, no trailing slash; /health is reserved and the stage adds /v1)',
      );
    }
    const timeout = options.timeout ?? (options.streaming ? this.backend.timeout : BUFFERED_TIMEOUT);
    const resource = this.api.root.resourceForPath(path.slice(1));
    const model = options.requestSchema
      ? this.api.addModel(`${resource.node.id}${method}Model`, {
          contentType: 'application/json',
          schema: options.requestSchema,
          description: `Request body of ${method} /${this.stageName}${path}`,
        })
      : undefined;
    const added = resource.addMethod(method, this.integration(handler, options.streaming ?? false, timeout), {
      authorizer: this.authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      apiKeyRequired: true,
      requestValidator: this.validator,
      requestModels: model ? { 'application/json': model } : undefined,
    });
    if (options.throttle)
      this.methodSettings.push({ resourcePath: path, httpMethod: method, throttle: options.throttle });
    acknowledgeRules(added, ['AwsSolutions-COG4'], KEY_AUTHORIZED);
    return added;
  }

  private integration(handler: lambda.IFunction, streaming: boolean, timeout: Duration): apigateway.Integration {
    return this.invoker.integration(handler, { streaming, timeout });
  }

  /** The only route without authentication: the gateway answers `{"status":"ok"}` and nothing else. */
  private addHealthRoute(throttle: Throttle): void {
    const health = this.api.root
      .addResource('health')
      .addMethod('GET', this.integration(this.backend.function, true, Duration.seconds(10)), {
        authorizationType: apigateway.AuthorizationType.NONE,
        apiKeyRequired: false,
      });
    acknowledgeRules(health, ['AwsSolutions-COG4'], KEY_AUTHORIZED);
    acknowledgeRules(
      health,
      ['AwsSolutions-APIG4'],
      'GET /v1/health is the one unauthenticated route, for load balancers and uptime checks: the gateway ' +
        'answers {"status":"ok"} before reading anything else. It has its own low method throttle and the WAF.',
    );
    this.methodSettings.push({ resourcePath: '/health', httpMethod: 'GET', throttle });
  }

  private addTier(tier: string, settings: UsageTier): apigateway.UsagePlan {
    const id = tier.replace(/(^|[-_.])([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
    const plan = this.api.addUsagePlan(`${id}Plan`, {
      name: `${Stack.of(this).stackName}-${tier}`,
      description: `Usage tier "${tier}" of ${this.node.path}`,
      throttle: { rateLimit: settings.rateLimit, burstLimit: settings.burstLimit },
      quota: settings.quota
        ? { limit: settings.quota.limit, period: apigateway.Period[settings.quota.period] }
        : undefined,
      apiStages: [{ api: this.api, stage: this.stage }],
    });
    const key = new apigateway.ApiKey(this, `${id}Key`, {
      description: `Usage plan key of tier "${tier}": returned by the authorizer, never accepted from a client`,
      value: usagePlanKeyValue(this.api.restApiId, tier),
      enabled: true,
    });
    plan.addApiKey(key);
    return plan;
  }

  private createKeyTable(removalPolicy: RemovalPolicy): dynamodb.Table {
    const table = new dynamodb.Table(this, 'KeyTable', {
      partitionKey: { name: KEY_TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // A key of its own, so that reading key hashes takes a grant on it besides the table's
      // (the authorizer has both; operators issuing keys need kms:Decrypt and GenerateDataKey too).
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: customerManagedKey(this, 'KeyTableKey', {
        description: `Encrypts the API key hashes of ${this.node.path}`,
        removalPolicy,
      }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: KEY_TABLE_TENANT_INDEX,
      partitionKey: { name: 'tenant', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'keyId', type: dynamodb.AttributeType.STRING },
    });
    acknowledgeRules(
      table,
      ['NIST.800.53.R5-DynamoDBInBackupPlan'],
      'The key table holds only key hashes and their tenant metadata, and is restorable to any second of the ' +
        'last 35 days with point-in-time recovery (on, with deletion protection when retained). Lost keys are ' +
        'reissued, never restored from a copy, so a separate AWS Backup plan adds nothing.',
    );
    return table;
  }

  private createAuthorizerFunction(props: GatewayApiProps, tiers: string[], logGroup: logs.LogGroup): lambda.Function {
    const securityGroup = new ec2.SecurityGroup(this, 'AuthorizerSecurityGroup', {
      vpc: props.vpc,
      description: 'API key authorizer: HTTPS to DynamoDB only',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'DynamoDB over HTTPS');
    const role = new VpcFunctionRole(this, 'AuthorizerRole', {
      logGroup,
      description: `Runs the API key authorizer of ${this.node.path}`,
    });
    const fn = platformFunction(this, 'AuthorizerFunction', 'authorizer', {
      description: 'Verifies LLM gateway API keys by SHA-256 against the key table',
      memorySize: 256,
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: props.authorizerReservedConcurrency ?? 50,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...PLATFORM_FUNCTION_ENVIRONMENT,
        POWERTOOLS_SERVICE_NAME: 'llm-gateway-authorizer',
        [AUTHORIZER_ENV.keyTable]: this.keyTable.tableName,
        [AUTHORIZER_ENV.tiers]: tiers.join(','),
      },
    });
    fn.node.addDependency(role.permissions); // Lambda checks the network-interface permissions at creation
    acknowledgeRules(fn, FUNCTION_DLQ_RULES, SYNCHRONOUS_FUNCTION_DLQ_REASON);
    // GetItem on the table, nothing else (the index and writes are for operators).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadKeyHashes',
        actions: ['dynamodb:GetItem'],
        resources: [this.keyTable.tableArn],
      }),
    );
    this.keyTable.encryptionKey?.grantDecrypt(fn);
    return fn;
  }

  /**
   * Stage-wide logging, metrics and throttle, and each route's own throttle. Rendered at synth so
   * that routes added later with `addRoute` get theirs.
   */
  private renderMethodSettings(stage: Throttle): void {
    // CloudFormation's form of a resource path: `/chat/completions` -> `/~1chat~1completions`.
    const encode = (path: string) => `/${path.replace(/\//g, '~1')}`;
    const cfnStage = this.stage.node.defaultChild as apigateway.CfnStage;
    cfnStage.methodSettings = Lazy.any({
      produce: () => [
        {
          resourcePath: '/*',
          httpMethod: '*',
          loggingLevel: apigateway.MethodLoggingLevel.ERROR,
          metricsEnabled: true,
          dataTraceEnabled: false,
          throttlingRateLimit: stage.rateLimit,
          throttlingBurstLimit: stage.burstLimit,
        },
        ...this.methodSettings.map((s) => ({
          resourcePath: encode(s.resourcePath),
          httpMethod: s.httpMethod,
          loggingLevel: apigateway.MethodLoggingLevel.ERROR,
          metricsEnabled: true,
          dataTraceEnabled: false,
          throttlingRateLimit: s.throttle.rateLimit,
          throttlingBurstLimit: s.throttle.burstLimit,
        })),
      ],
    });
  }

  /** Requests answered 4xx (refused keys, throttles, validation) . */
  metricClientErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricClientError(props);
  }

  /** Requests answered 5xx. */
  metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricServerError(props);
  }

  /** End-to-end latency, p99 by default (for streams: until the last byte). */
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricLatency({ statistic: 'p99', ...props });
  }

  /** Requests, summed. */
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricCount(props);
  }
}

function checkProps(
  where: string,
  props: GatewayApiProps,
  tiers: Readonly<Record<string, UsageTier>>,
  ratePerIp: number,
  rateWindowSeconds: number,
  cacheTtl: Duration,
): void {
  const problems: string[] = [];
  if (Object.keys(tiers).length === 0) problems.push('tiers is empty; give at least one usage tier');
  for (const tier of Object.keys(tiers)) {
    if (!KEY_NAME.test(tier) || tier.includes(',')) {
      problems.push(`tier "${tier}" is not a valid name: use lower-case letters, digits, '.', '_' or '-'`);
    }
  }
  if (!Number.isInteger(ratePerIp) || ratePerIp < 10 || ratePerIp > 2_000_000_000) {
    problems.push(`ratePerIp is ${ratePerIp}; WAF accepts 10 to 2,000,000,000 requests per window`);
  }
  if (![60, 120, 300, 600].includes(rateWindowSeconds)) {
    problems.push(`rateWindowSeconds is ${rateWindowSeconds}; WAF accepts 60, 120, 300 or 600`);
  }
  if (cacheTtl.toSeconds() > 3600) {
    problems.push(`authorizerCacheTtl is ${cacheTtl.toSeconds()} s; API Gateway caches verdicts for at most 3600 s`);
  }
  const { maxBodyBytes, timeout } = props.gateway;
  if (maxBodyBytes > API_GATEWAY_MAX_BODY) {
    problems.push(
      `the gateway accepts bodies up to ${maxBodyBytes} bytes but API Gateway refuses any above ${API_GATEWAY_MAX_BODY}: ` +
        'lower limits.maxBodyBytes in the gateway config',
    );
  }
  if (timeout.toSeconds() > 900) {
    problems.push(`the gateway timeout is ${timeout.toSeconds()} s; a streamed response may last at most 15 minutes`);
  }
  if (problems.length > 0) throw new Error(`${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

const KEY_AUTHORIZED =
  'Callers are services holding API keys, as with any OpenAI-compatible API, not Cognito users. Every ' +
  'route but the health check has a Lambda REQUEST authorizer that verifies the key by SHA-256 against ' +
  'the key table, refuses revoked and expired keys, and maps the caller to a tenant and a usage tier.';

/** The findings on the REST API and its stage that follow from how the gateway is served. */
function acknowledgeApi(api: apigateway.RestApi): void {
  const cloudWatchRole = api.node.tryFindChild('CloudWatchRole');
  if (cloudWatchRole) {
    acknowledgeRules(
      cloudWatchRole,
      [managedPolicyFinding('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
      'API Gateway writes execution logs through one account-wide role (AWS::ApiGateway::Account), shared by ' +
        'every REST API of the account and region. AWS maintains this policy for exactly that role; scoping it ' +
        "to this API would break the execution logs of the account's other APIs. The role is retained on delete.",
    );
  }
  acknowledgeRules(
    api.deploymentStage,
    ['NIST.800.53.R5-APIGWCacheEnabledAndEncrypted'],
    'Response streaming (needed for answers longer than 29 s) does not support API Gateway caching. LLM ' +
      'answers are cached by the gateway itself, per tenant, in the encrypted ElastiCache and pgvector stores.',
  );
  acknowledgeRules(
    api.deploymentStage,
    ['NIST.800.53.R5-APIGWSSLEnabled'],
    'A client certificate authenticates API Gateway to HTTP backends. The only backends here are Lambda ' +
      'functions, invoked through the Lambda API with IAM and TLS; there is no HTTP backend to present it to.',
  );
}
