import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Redis from 'ioredis';
import type { Pool } from 'pg';
import { loadGatewayConfigFile, parseGatewayConfig } from '../core/config/load';
import type { GatewayConfig } from '../contract/config/gateway-config';
import { connectRedisForGateway, createGateway, type GatewayOptions } from '../runtime/create-gateway';
import { EMBEDDED_CONFIG, LOCAL_DEVELOPMENT_KEY } from '../runtime/embedded-config';
import type { Gateway } from '../core/pipeline/gateway';
import { HashingEmbedder } from '../core/policy/cache/embedder';
import { loadClassifierModel } from '../core/policy/router/classifier';
import { DISCARD_METRICS, createGatewayTelemetry } from '../core/telemetry';
import { migrateVectorSchema, startEmbeddedPostgres } from '../core/vector';
import { embeddingsRoute } from './embeddings';
import { httpListener, type LocalRoute } from './http-adapter';
import { jobsRoute } from './jobs';
import { localWebhookSecret, withoutPassword } from './local-secrets';

export type { LocalRoute };

export interface LocalGateway {
  readonly server: Server;
  readonly gateway: Gateway;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the gateway on a local HTTP port. Tests call this directly; `npm start` runs `main()`. */
export async function startLocalGateway(
  options: Omit<GatewayOptions, 'config'> & {
    config?: GatewayConfig;
    port?: number;
    host?: string;
    /** Services beside the gateway, given the gateway they call through; tried in order. */
    routes?: readonly ((gateway: Gateway) => LocalRoute)[];
  },
): Promise<LocalGateway> {
  const config = options.config ?? parseGatewayConfig(EMBEDDED_CONFIG, 'embedded defaults');
  const gateway = createGateway({ ...options, config });
  const routes = (options.routes ?? []).map((route) => route(gateway));
  const server = createServer(httpListener(gateway, config.limits.maxBodyBytes, routes));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    gateway,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * The platform's database: DATABASE_URL when set, else Postgres with pgvector embedded in this
 * process (PGlite). The schema is applied either way, as the VectorStore construct does on Aurora.
 */
async function openVectorDb(
  url: string | undefined,
): Promise<{ db: Pool; description: string; close(): Promise<void> }> {
  const { Pool } = await import('pg'); // not at import: tests that start a gateway without a database never load pg
  const embedded = url ? undefined : await startEmbeddedPostgres();
  const db = new Pool({ connectionString: url ?? embedded!.connectionString, max: 8 });
  const session = await db.connect();
  try {
    await migrateVectorSchema(session, { dimensions: new HashingEmbedder().dimensions });
  } finally {
    session.release();
  }
  return {
    db,
    description: url ? `Postgres at ${new URL(url).host}` : 'embedded Postgres with pgvector (PGlite), in memory',
    close: async () => {
      await db.end();
      await embedded?.stop();
    },
  };
}

async function main(): Promise<void> {
  const configPath = process.env.GATEWAY_CONFIG;
  const config = configPath ? loadGatewayConfigFile(configPath) : undefined;
  let redis: Redis | undefined;
  if (process.env.REDIS_URL) redis = connectRedisForGateway(process.env.REDIS_URL);
  const routerModelFile = process.env.ROUTER_MODEL ?? 'data/router/model.json';
  // The semantic cache, the job store and the embedding service's collections share one database.
  const vector = await openVectorDb(process.env.DATABASE_URL);
  const webhooks = localWebhookSecret(process.env);
  const maxBodyBytes = (config ?? parseGatewayConfig(EMBEDDED_CONFIG, 'embedded defaults')).limits.maxBodyBytes;
  const jobs = jobsRoute({ pool: vector.db, webhookSecret: webhooks.secret, redis, maxBodyBytes });
  // Redacted JSON log lines on stdout (one per call); EMF metrics only when asked for.
  const telemetry = createGatewayTelemetry({
    metrics: process.env.POWERTOOLS_METRICS_DISABLED === 'false' ? undefined : DISCARD_METRICS,
  });
  const local = await startLocalGateway({
    config,
    telemetry,
    vectorDb: config?.semanticCache ? vector.db : undefined,
    routes: [jobs.route, embeddingsRoute({ pool: vector.db, maxBodyBytes })],
    routerModel: config?.routing?.classifier ? loadClassifierModel(routerModelFile) : undefined,
    redis,
    port: Number(process.env.PORT ?? 4000),
    host: process.env.HOST ?? '127.0.0.1',
  });
  const address = local.server.address() as AddressInfo;
  console.log(`LLM gateway listening on http://${address.address}:${address.port}/v1`);
  console.log(`  config: ${configPath ?? 'embedded defaults (built-in deterministic model, offline)'}`);
  console.log(`  state:  ${redis ? `Redis at ${withoutPassword(process.env.REDIS_URL!)}` : 'in-process'}`);
  console.log(`  database: ${vector.description} (semantic cache, jobs, collections)`);
  console.log(`  webhooks signed with: ${webhooks.source} (npm run webhook:receive verifies with it)`);
  console.log(`  models: ${local.gateway.models().join(', ')}`);
  if (!config) console.log(`  API key: ${LOCAL_DEVELOPMENT_KEY}`);
  const stop = () => {
    jobs.close();
    local.close().finally(async () => {
      redis?.disconnect();
      await vector.close();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
