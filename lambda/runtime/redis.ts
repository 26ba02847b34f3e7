import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import Redis from 'ioredis';
import { SECRET_MAX_AGE_SECONDS } from '../core/config/secrets-manager-credentials';
import { GATEWAY_ENV } from '../contract/environment';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * ElastiCache from the construct's wiring (`REDIS_HOST`, TLS, RBAC user and password secret), or
 * `REDIS_URL` locally; undefined when neither is set. Shared by every
 * function that reaches the cache (the gateway, the kill switch).
 */
export async function redisFromEnv(env: Env, secrets: SecretsProvider): Promise<Redis | undefined> {
  if (env[GATEWAY_ENV.redisUrl]) return connect(env[GATEWAY_ENV.redisUrl]!, {});
  const host = env[GATEWAY_ENV.redisHost];
  if (!host) return undefined;
  let password: string | undefined;
  const secretArn = env[GATEWAY_ENV.redisPasswordSecretArn];
  if (secretArn) {
    const secret = await secrets.get(secretArn, { maxAge: SECRET_MAX_AGE_SECONDS });
    password =
      typeof secret === 'string' ? ((JSON.parse(secret) as { password?: string }).password ?? undefined) : undefined;
  }
  return connect(`redis://${host}:${env[GATEWAY_ENV.redisPort] ?? '6379'}`, {
    username: env[GATEWAY_ENV.redisUsername],
    password,
    tls: env[GATEWAY_ENV.redisTls] === 'false' ? undefined : { servername: host },
  });
}

function connect(url: string, options: { username?: string; password?: string; tls?: { servername: string } }): Redis {
  return new Redis(url, {
    ...options,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    commandTimeout: 250,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
}
