import type Redis from 'ioredis';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import { connectRedisForGateway } from '../../lambda/runtime/create-gateway';
import { loadClassifierModel } from '../../lambda/core/policy/router/classifier';
import { startLocalGateway } from '../../lambda/local/server';
import { reportListening } from './child';

/**
 * Our gateway as the benchmarks run it: the local server (the same core the Lambda handler drives)
 * in a process of its own, with the config in BENCH_GATEWAY_CONFIG (JSON), state in REDIS_URL and
 * trace records written to stdout as when deployed.
 */
async function main(): Promise<void> {
  const config = parseGatewayConfig(JSON.parse(process.env.BENCH_GATEWAY_CONFIG ?? '{}'), 'BENCH_GATEWAY_CONFIG');
  const redis = process.env.REDIS_URL ? connectRedisForGateway(process.env.REDIS_URL) : undefined;
  if (redis) await new Promise((resolve) => redis.once('ready', resolve));
  const routerModel = process.env.BENCH_ROUTER_MODEL ? loadClassifierModel(process.env.BENCH_ROUTER_MODEL) : undefined;
  const local = await startLocalGateway({ config, redis, redisPrefix: `bench:${process.pid}:`, routerModel });
  countRedisWrites(redis);
  reportListening(Number(new URL(local.url).port));
  const stop = () => {
    // Let --cpu-prof write its profile: exit through the normal path.
    void local.close().finally(() => {
      redis?.disconnect();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * Each write to Redis's socket is one auto-pipelined batch, and a request waits for each batch's
 * answer before it sends the next: writes per request are its sequential round trips to Redis.
 * The parent asks with `{ counters: true }`.
 */
function countRedisWrites(redis: Redis | undefined): void {
  let writes = 0;
  const stream = (redis as unknown as { stream?: { write: (...args: unknown[]) => boolean } } | undefined)?.stream;
  if (stream) {
    const write = stream.write.bind(stream);
    stream.write = (...args: unknown[]) => {
      writes++;
      return write(...args);
    };
  }
  process.on('message', (message: { counters?: boolean }) => {
    if (message.counters) process.send?.({ redisWrites: writes, memory: process.memoryUsage() });
  });
}

main().catch((error) => {
  process.send?.({ error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
