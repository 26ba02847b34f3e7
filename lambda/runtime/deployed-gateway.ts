import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type Redis from 'ioredis';
import type { Pool } from 'pg';
import * as path from 'node:path';
import { loadGatewayConfigFile } from '../core/config/load';
import { loadClassifierModel } from '../core/policy/router/classifier';
import { SECRET_MAX_AGE_SECONDS, SecretsManagerCredentialSource } from '../core/config/secrets-manager-credentials';
import { createGateway } from './create-gateway';
import type { Gateway } from '../core/pipeline/gateway';
import { GATEWAY_ENV } from '../contract/environment';
import { redisFromEnv, type Env } from './redis';
import type { GatewayTelemetry } from '../core/telemetry';

/**
 * Builds the deployed gateway from the environment the `LlmGateway` construct sets (names in
 * `GATEWAY_ENV`). Secrets come from Secrets Manager by ARN; no secret is in the environment.
 */
export type { Env };

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value)
    throw new Error(`The gateway function needs the environment variable ${name}; the LlmGateway construct sets it.`);
  return value;
}

/**
 * Aurora PostgreSQL (pgvector) from the construct's wiring: host, port, database, and a Secrets
 * Manager secret with `username` and `password` (the RDS-managed secret format); TLS verified.
 * `pg` is loaded here, only when the semantic cache (or the job store) needs it, not at the
 * handler's start.
 */
export async function vectorDbFromEnv(env: Env, secrets: SecretsProvider): Promise<Pool> {
  const { Pool } = await import('pg');
  if (env[GATEWAY_ENV.vectorDbUrl]) return new Pool({ connectionString: env[GATEWAY_ENV.vectorDbUrl], max: 4 });
  const secret = await secrets.get(required(env, GATEWAY_ENV.vectorDbSecretArn), { maxAge: SECRET_MAX_AGE_SECONDS });
  const { username, password } = JSON.parse(String(secret)) as { username?: string; password?: string };
  return new Pool({
    host: required(env, GATEWAY_ENV.vectorDbHost),
    port: Number(env[GATEWAY_ENV.vectorDbPort] ?? 5432),
    database: env[GATEWAY_ENV.vectorDbName] ?? 'postgres',
    user: username,
    password,
    ssl: { rejectUnauthorized: true },
    max: 4,
  });
}

/**
 * The deployed gateway. `telemetry` receives every trace record (one redacted log line and the
 * call's metrics) and the policy events, and traces each step.
 */
export async function createDeployedGateway(
  env: Env,
  telemetry: GatewayTelemetry,
  handlerDir: string,
  secrets: SecretsProvider = new SecretsProvider(),
  /** Connections the caller already holds (a jobs worker's), used instead of opening new ones. */
  shared: { readonly redis?: Redis; readonly vectorDb?: Pool } = {},
): Promise<Gateway> {
  const config = loadGatewayConfigFile(path.resolve(handlerDir, required(env, GATEWAY_ENV.configFile)));
  const secretArns = env[GATEWAY_ENV.providerSecretArns]
    ? (JSON.parse(env[GATEWAY_ENV.providerSecretArns]!) as Record<string, string>)
    : {};
  const routerModelFile = env[GATEWAY_ENV.routerModelFile];
  return createGateway({
    config,
    vectorDb: config.semanticCache ? (shared.vectorDb ?? (await vectorDbFromEnv(env, secrets))) : undefined,
    routerModel: routerModelFile ? loadClassifierModel(path.resolve(handlerDir, routerModelFile)) : undefined,
    redis: shared.redis ?? (await redisFromEnv(env, secrets)),
    credentials: new SecretsManagerCredentialSource(secretArns, secrets),
    telemetry,
  });
}

/** The gateway in-process, with the connections it shares with the service that runs it. */
export interface GatewayWithStores {
  readonly gateway: Gateway;
  /** The gateway's Redis, when its function is wired to one. */
  readonly redis?: Redis;
  /** The platform's database: the service's own store, and the gateway's semantic cache. */
  readonly db: Pool;
  /** Closes both (Lambda never does: they live as long as the execution environment). */
  close(): Promise<void>;
}

/**
 * For a service that runs the gateway in-process (the jobs worker, the embedding service): one
 * Redis connection and one database pool, used by the gateway and the service alike. A failed
 * start closes what it opened, since the caller tries again on its next invocation.
 */
export async function createDeployedGatewayWithStores(
  env: Env,
  telemetry: GatewayTelemetry,
  handlerDir: string,
  secrets: SecretsProvider,
): Promise<GatewayWithStores> {
  const redis = await redisFromEnv(env, secrets);
  let db: Pool | undefined;
  const close = async () => {
    redis?.disconnect();
    await db?.end();
  };
  try {
    db = await vectorDbFromEnv(env, secrets);
    const gateway = await createDeployedGateway(env, telemetry, handlerDir, secrets, { redis, vectorDb: db });
    return { gateway, redis, db, close };
  } catch (error) {
    await close();
    throw error;
  }
}
