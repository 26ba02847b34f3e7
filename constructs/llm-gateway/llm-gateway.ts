import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { GatewayConfig, GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import { GATEWAY_ENV } from '../../lambda/contract/environment';
import type { IProviderSecrets } from '../provider-secrets/provider-secrets-interface';
import type { IResponseCache } from '../response-cache/response-cache-interface';
import { logEncryptionKey } from '../shared/log-encryption';
import { PLATFORM_FUNCTION_ENVIRONMENT, PROJECT_ROOT } from '../shared/platform-function';
import { APPLICATION_SUBNETS, type EncryptedResourceProps, type VpcPlacementProps } from '../shared/props';
import { serviceFunction } from '../shared/service-function';
import { PropsCheck } from '../shared/validation';
import { publicSubnetsIn } from '../shared/public-subnets';
import { vectorStoreEnvironment } from '../shared/vector-store-environment';
import type { IVectorStore } from '../vector-store/vector-store-interface';
import { bedrockStatements } from './bedrock-access';
import { CONFIG_FILE_PATH, ROUTER_MODEL_FILE_PATH, configLayer } from './config-layer';
import { loadRouterModel, providerPorts, referencedCredentials, validateGatewayConfig } from './gateway-config';

/** The router model shipped with the blueprint (`npm run router:train` writes it). */
export const SHIPPED_ROUTER_MODEL = path.join(PROJECT_ROOT, 'data', 'router', 'model.json');

/** Lambda's limit, and with response streaming through API Gateway the longest a response may run. */
const MAX_TIMEOUT = Duration.minutes(15);

/** The gateway's props; `encryptionKey` encrypts the function's log group. */
export interface LlmGatewayProps extends VpcPlacementProps, EncryptedResourceProps {
  /**
   * The gateway's model configuration (models, deployments, prices, traffic policy), the same JSON
   * the local server reads. Validated at synth with the function's own schema.
   */
  readonly config: GatewayConfigInput;
  /**
   * The router's trained classifier, delivered with the config when `routing.classifier` is set.
   * @default - the shipped data/router/model.json
   */
  readonly routerModelFile?: string;
  /**
   * Security groups of the function.
   * @default - a new group whose only egress is to the providers' ports and, through the data
   * stores' `grantConnect`, to the cache and the database
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Execution role to use instead of a new one; the construct adds its grants to it.
   * @default - a new role that can write only to the function's log group
   */
  readonly role?: iam.IRole;
  /**
   * Redis-compatible cache: shared breaker state, token limits, budgets, exact cache, kill switch.
   * Required when the config has `tokenLimits`, `budgets` or `exactCache`.
   * @default - none: breaker and kill-switch state lives in each instance
   */
  readonly cache?: IResponseCache;
  /**
   * pgvector database of the semantic cache. Required when the config has `semanticCache`.
   * @default - none
   */
  readonly vectorStore?: IVectorStore;
  /**
   * Provider credentials. Must hold every credential the config's deployments name; the function
   * may read exactly those.
   * @default - none: the config may name no credential
   */
  readonly providerSecrets?: IProviderSecrets;
  /**
   * Memory in MiB (CPU grows with it).
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * How long one request may run, streamed responses included. Must exceed the longest
   * `deployments.*.timeouts.totalMs` of the config.
   * @default Duration.minutes(15), the most Lambda and API Gateway streaming allow
   */
  readonly timeout?: Duration;
  /**
   * Concurrency reserved for (and capping) the gateway.
   * @default 100
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The LLM gateway function: the OpenAI-compatible handler of `lambda/gateway`, bundled with local
 * esbuild for arm64 and Node.js 24, in private subnets, with its model config (and router model)
 * in a layer beside it, wired to the cache, the vector store and the provider secrets it is given,
 * and allowed exactly what its config needs: its credentials' secrets and its Bedrock models.
 *
 * Put a `GatewayApi` in front of it: the handler speaks API Gateway's REST response streaming.
 */
export class LlmGateway extends Construct implements iam.IGrantable, ec2.IConnectable {
  /** The gateway function. */
  readonly function: lambda.Function;
  /** The validated config (defaults applied) the function is deployed with. */
  readonly config: GatewayConfig;
  /** The largest request body the gateway accepts (`limits.maxBodyBytes`); the edge uses it too. */
  readonly maxBodyBytes: number;
  /** How long one request may run. */
  readonly timeout: Duration;
  /** The encrypted log group of the function. */
  readonly logGroup: logs.LogGroup;
  /** The function's security group, when the construct created it. */
  readonly securityGroup?: ec2.SecurityGroup;
  /** The credential names the function may read, from its config. */
  readonly credentials: readonly string[];
  readonly grantPrincipal: iam.IPrincipal;
  readonly connections: ec2.Connections;
  /** The config (and router model) layer; `shareRuntimeWith` gives it to other functions. */
  readonly configLayer: lambda.ILayerVersion;
  /** The cache the gateway keeps its shared state in, when it was given one. */
  readonly cache?: IResponseCache;
  /** The database of the semantic cache (and of the services beside the gateway), when given one. */
  readonly vectorStore?: IVectorStore;
  private readonly props: LlmGatewayProps;

  constructor(scope: Construct, id: string, props: LlmGatewayProps) {
    super(scope, id);
    const where = `LlmGateway ${this.node.path}`;
    this.config = validateGatewayConfig(props.config, where);
    this.maxBodyBytes = this.config.limits.maxBodyBytes;
    this.timeout = props.timeout ?? MAX_TIMEOUT;
    this.credentials = referencedCredentials(this.config);
    this.checkProps(props);
    this.props = props;
    this.cache = props.cache;
    this.vectorStore = props.vectorStore;

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const key =
      props.encryptionKey ?? logEncryptionKey(this, 'LogKey', `Encrypts the logs of ${this.node.path}`, removalPolicy);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: key,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });

    if (!props.securityGroups) {
      this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: 'LLM gateway function: egress to model providers and the data stores only',
        allowAllOutbound: false,
      });
      // HTTPS goes anywhere (hosted providers, AWS APIs). Any other port is a self-hosted server's,
      // reachable only inside the VPC: a plain-HTTP model server is never reached over the internet.
      for (const port of providerPorts(this.config)) {
        if (port === 443) {
          this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Model providers and AWS APIs');
        } else {
          this.securityGroup.addEgressRule(
            ec2.Peer.ipv4(props.vpc.vpcCidrBlock),
            ec2.Port.tcp(port),
            `Self-hosted model servers in the VPC on ${port}`,
          );
        }
      }
    }

    const routing = this.config.routing?.classifier;
    const routerModelFile = props.routerModelFile ?? SHIPPED_ROUTER_MODEL;
    if (routing) loadRouterModel(routerModelFile, this.config, where);
    const layer = configLayer(
      this,
      'ConfigLayer',
      {
        config: JSON.stringify(props.config),
        routerModel: routing ? readFileSync(routerModelFile, 'utf8') : undefined,
      },
      `Model config${routing ? ' and router model' : ''} of the LLM gateway ${this.node.path}`,
    );

    this.function = serviceFunction(
      this,
      { function: 'Function', role: 'Role', logs: 'LogGroup' },
      {
        handler: 'gateway',
        description: 'LLM gateway: OpenAI-compatible API over many providers (API Gateway REST, response streaming)',
        serviceName: 'llm-gateway',
        roleDescription: `Runs the LLM gateway function of ${this.node.path}`,
        memorySize: props.memorySize ?? 1024,
        timeout: this.timeout,
        reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 100,
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets ?? APPLICATION_SUBNETS,
        securityGroups: props.securityGroups ?? [this.securityGroup!],
        role: props.role,
        logGroup: this.logGroup,
        layers: [layer],
        environment: this.runtimeEnvironment(),
        key,
        removalPolicy,
      },
    );
    this.configLayer = layer;
    this.grantPrincipal = this.function.grantPrincipal;
    this.connections = this.function.connections;

    this.grantRuntime(this.function);

    if (this.config.apiKeys.length > 0) {
      Annotations.of(this).addWarningV2(
        'llm-platform:gateway-api-keys',
        'The gateway config lists apiKeys: behind GatewayApi its authorizer authenticates every call, so these keys ' +
          'are never used. Issue keys with `npm run api-key -- issue` instead, and remove apiKeys from the config.',
      );
    }
  }

  /**
   * Lets another function run the same gateway in-process (`createDeployedGateway` of
   * `lambda/runtime/deployed-gateway.ts`), so that its model calls pass through the same limits, budgets,
   * caches, routing and failover as calls through the API: it gets the config layer, the wiring
   * environment, and exactly the gateway's grants (its secrets, its Bedrock models, the cache and the
   * vector store). Give the function the gateway's security groups (`connections.securityGroups`)
   * or egress of its own to the providers. Its `POWERTOOLS_SERVICE_NAME` stays its own.
   */
  shareRuntimeWith(fn: lambda.Function): void {
    fn.addLayers(this.configLayer);
    for (const [name, value] of Object.entries(this.runtimeEnvironment())) fn.addEnvironment(name, value);
    this.grantRuntime(fn);
  }

  /**
   * Gives a function the gateway's model catalog only: the config layer and where it is, with no
   * grant, secret or connection. For services that check the model a caller names without calling
   * it (the jobs API refuses a job for a model the caller's key may not use).
   */
  shareCatalogWith(fn: lambda.Function): void {
    fn.addLayers(this.configLayer);
    fn.addEnvironment(GATEWAY_ENV.configFile, CONFIG_FILE_PATH);
  }

  private grantRuntime(fn: lambda.Function): void {
    this.props.providerSecrets?.grantRead(fn, this.credentials);
    this.props.cache?.grantConnect(fn);
    this.props.vectorStore?.grantConnect(fn);
    for (const statement of bedrockStatements(fn, this.config)) fn.addToRolePolicy(statement);
  }

  /** The wiring the handler reads (names in GATEWAY_ENV): ARNs and addresses, never a secret. */
  private runtimeEnvironment(): Record<string, string> {
    const props = this.props;
    const port = (value: number) => (Token.isUnresolved(value) ? Token.asString(value) : String(value));
    const env: Record<string, string> = {
      ...PLATFORM_FUNCTION_ENVIRONMENT,
      [GATEWAY_ENV.configFile]: CONFIG_FILE_PATH,
    };
    if (this.config.routing?.classifier) env[GATEWAY_ENV.routerModelFile] = ROUTER_MODEL_FILE_PATH;
    if (props.cache) {
      env[GATEWAY_ENV.redisHost] = props.cache.endpointAddress;
      env[GATEWAY_ENV.redisPort] = port(props.cache.port);
      env[GATEWAY_ENV.redisTls] = 'true';
      env[GATEWAY_ENV.redisUsername] = props.cache.gatewayUsername;
      env[GATEWAY_ENV.redisPasswordSecretArn] = props.cache.gatewayPasswordSecret.secretArn;
    }
    if (props.vectorStore) Object.assign(env, vectorStoreEnvironment(props.vectorStore));
    if (this.credentials.length > 0) {
      const arns = Object.fromEntries(
        this.credentials.map((name) => [name, props.providerSecrets!.secretFor(name).secretArn]),
      );
      env[GATEWAY_ENV.providerSecretArns] = Stack.of(this).toJsonString(arns);
    }
    return env;
  }

  private checkProps(props: LlmGatewayProps): void {
    const check = new PropsCheck('LlmGateway', this.node.path);
    const problems: string[] = [];
    const seconds = this.timeout.toSeconds();
    if (seconds < 1 || seconds > MAX_TIMEOUT.toSeconds()) {
      problems.push(`timeout is ${seconds} s; give 1 s to 15 minutes (Lambda's and API Gateway streaming's limit)`);
    }
    for (const [id, deployment] of Object.entries(this.config.deployments)) {
      if (deployment.timeouts.totalMs >= seconds * 1000) {
        problems.push(
          `deployments.${id}.timeouts.totalMs is ${deployment.timeouts.totalMs} ms but the function times out after ${seconds} s: ` +
            'raise `timeout` or lower totalMs, or long answers are cut by Lambda instead of failed over',
        );
      }
    }
    const memory = props.memorySize ?? 1024;
    if (!Number.isInteger(memory) || memory < 128 || memory > 10240) {
      problems.push(`memorySize is ${memory}; give a whole number of MiB from 128 to 10240`);
    }
    const reserved = props.reservedConcurrentExecutions ?? 100;
    if (!Number.isInteger(reserved) || reserved < 1) {
      problems.push(`reservedConcurrentExecutions is ${reserved}; give a whole number of at least 1`);
    }
    const stateful = (['tokenLimits', 'budgets', 'exactCache'] as const).filter((k) => this.config[k] !== undefined);
    if (stateful.length > 0 && !props.cache) {
      problems.push(
        `the config has ${stateful.join(', ')} but no \`cache\` is given: each instance would count alone. ` +
          'Pass a ResponseCache (or any IResponseCache) as `cache`, or remove those sections',
      );
    }
    if (this.config.semanticCache && !props.vectorStore) {
      problems.push(
        'the config has semanticCache but no `vectorStore` is given: pass a VectorStore (or any IVectorStore), or remove semanticCache',
      );
    }
    const available = props.providerSecrets?.credentialNames ?? [];
    for (const [id, deployment] of Object.entries(this.config.deployments)) {
      if (deployment.credential && !available.includes(deployment.credential)) {
        problems.push(
          `deployments.${id}.credential is "${deployment.credential}" but ` +
            (props.providerSecrets
              ? `the providerSecrets hold only ${available.map((n) => `"${n}"`).join(', ') || '(none)'}: add "${deployment.credential}" to them`
              : 'no `providerSecrets` are given: pass a ProviderSecrets holding it') +
            ', or remove the credential from the deployment',
        );
      }
    }
    if (publicSubnetsIn(props.vpc, props.vpcSubnets ?? APPLICATION_SUBNETS).length > 0) {
      problems.push(
        'vpcSubnets selects public subnets; the gateway must run in private subnets (e.g. Network.applicationSubnets)',
      );
    }
    check.add(...problems).throwIfAny();
  }

  /** Lets `grantee` invoke the gateway function (API Gateway integrations add their own permission). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }

  /** Invocations that ended in a function error (not the OpenAI-format errors the gateway answers). */
  metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors(props);
  }

  /** Duration, p99 by default: streamed answers run for the whole generation. */
  metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricDuration({ statistic: 'p99', ...props });
  }

  /** Invocations refused because the reserved concurrency was in use. */
  metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricThrottles(props);
  }

  /** Concurrent executions (maximum), to compare with the reserved concurrency. */
  metricConcurrentExecutions(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metric('ConcurrentExecutions', { statistic: 'Maximum', ...props });
  }

  /** Invocations, summed. */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricInvocations(props);
  }
}
