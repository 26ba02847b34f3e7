import type { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { EncryptedResourceProps, VpcPlacementProps } from '../shared/props';

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

/**
 * The API's props. `vpc` and `vpcSubnets` place the authorizer function; `encryptionKey` encrypts
 * the access, execution, firewall and authorizer logs.
 */
export interface GatewayApiProps extends VpcPlacementProps, EncryptedResourceProps {
  /** The gateway function (an `LlmGateway`, or any `GatewayBackend`). */
  readonly gateway: GatewayBackend;
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
}
