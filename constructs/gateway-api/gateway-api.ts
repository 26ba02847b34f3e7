import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { usagePlanKeyValue } from '../../lambda/contract/api-keys';
import { API_ROUTES } from '../../lambda/contract/routes';
import { logEncryptionKey } from '../shared/log-encryption';
import { acknowledgeRules } from '../shared/nag-acknowledgments';
import { PropsCheck } from '../shared/validation';
import { accessLogFormat } from './access-log';
import { KEY_AUTHORIZED, acknowledgeApi } from './acknowledgments';
import { ApiInvoker } from './api-invoker';
import { apiKeyTable, authorizerFunction } from './authorizer';
import { checkGatewayApiProps } from './gateway-api-checks';
import type { GatewayApiProps, GatewayBackend, RouteOptions, Throttle, UsageTier } from './gateway-api-props';
import { addOpenAiGatewayResponses } from './openai-errors';
import { CHAT_COMPLETIONS_SCHEMA, EMBEDDINGS_SCHEMA } from './request-models';
import { GatewayWebAcl } from './web-acl';

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
    const tiers = props.tiers ?? {
      standard: { rateLimit: 50, burstLimit: 100, quota: { limit: 1_000_000, period: 'DAY' as const } },
    };
    const throttle = props.throttle ?? { rateLimit: 500, burstLimit: 1000 };
    const ratePerIp = props.ratePerIp ?? 3000;
    const rateWindowSeconds = props.rateWindowSeconds ?? 300;
    const cacheTtl = props.authorizerCacheTtl ?? Duration.minutes(1);
    const check = new PropsCheck('GatewayApi', this.node.path);
    checkGatewayApiProps(check, props, { tiers, ratePerIp, rateWindowSeconds, cacheTtl });
    check.throwIfAny();
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
    // The stage presents this certificate to its integrations (NIST 800-53 SC-8, cdk-nag's
    // APIGWSSLEnabled): an HTTP backend added with `api.root.addMethod` can verify the caller is this
    // stage. Lambda integrations, the gateway's own, go through the Lambda API with IAM and ignore it.
    const backendCertificate = new apigateway.CfnClientCertificate(this, 'BackendCertificate', {
      description: `Presented by the ${stageName} stage of ${this.node.path} to its backends`,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: `LLM gateway API (${this.node.path})`,
      endpointTypes: [apigateway.EndpointType.REGIONAL], // streams idle out after 30 s on edge-optimized
      apiKeySourceType: apigateway.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: props.cloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName,
        clientCertificateId: backendCertificate.ref,
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

    this.keyTable = props.keyTable ?? apiKeyTable(this, removalPolicy);
    this.authorizerFunction = authorizerFunction(this, {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      keyTable: this.keyTable,
      tiers: Object.keys(tiers),
      reservedConcurrentExecutions: props.authorizerReservedConcurrency ?? 50,
      key,
      logRetention: retention,
      removalPolicy,
    });
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
    new PropsCheck('GatewayApi', this.node.path)
      .expect(
        ROUTE.test(path) && path !== '/health',
        `route "${path}" is not valid; give a path such as "/jobs" or "/jobs/{id}" ` +
          '(lower-case segments, {parameter} segments after the first, no trailing slash; /health is reserved and the stage adds /v1)',
      )
      .throwIfAny();
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

  /** Requests answered 4xx (refused keys, throttles, validation) . */
  metricClientErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricClientError(props);
  }

  /** Requests answered 5xx. */
  metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricServerError(props);
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

  /** Requests, summed. */
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricCount(props);
  }

  /** End-to-end latency, p99 by default (for streams: until the last byte). */
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricLatency({ statistic: 'p99', ...props });
  }
}
