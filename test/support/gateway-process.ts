import { parseGatewayConfig } from '../../lambda/core/config/load';
import { JsonLineTraceSink } from '../../lambda/core/trace/record';
import { startLocalGateway } from '../../lambda/local/server';
import { connectRedisForGateway } from '../../lambda/runtime/create-gateway';

/**
 * One gateway instance in a process of its own, for drills that need several processes on one
 * Redis (as Lambda runs them): the config comes as JSON in DRILL_GATEWAY_CONFIG, state lives under
 * DRILL_REDIS_PREFIX, and every call's trace record is a JSON line on stdout. Prints
 * `listening on <url>` once it serves; SIGTERM stops it.
 */
async function main(): Promise<void> {
  const config = parseGatewayConfig(JSON.parse(process.env.DRILL_GATEWAY_CONFIG!), 'DRILL_GATEWAY_CONFIG');
  const redis = connectRedisForGateway(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const local = await startLocalGateway({
    config,
    redis,
    redisPrefix: process.env.DRILL_REDIS_PREFIX,
    traces: new JsonLineTraceSink(),
  });
  process.stdout.write(`listening on ${local.url}\n`);
  process.once('SIGTERM', () => {
    void local.close().finally(() => {
      redis.disconnect();
      process.exit(0);
    });
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
