/**
 * Added latency of the gateway over calling the provider directly, at concurrency 1.
 *
 *   npx tsx bench/gateway-overhead.ts [--requests 3000] [--no-redis]
 *
 * Both paths hit the same loopback provider (OpenAI wire format) with the same body, through the
 * same keep-alive HTTP client, alternating in one run; the gateway runs its full hot path: bearer
 * key check, JSON schema validation, model resolution, breaker check in Redis, upstream call,
 * usage and cost accounting.
 */
import { Agent, request } from 'node:http';
import { parseGatewayConfig } from '../lambda/core/config/load';
import { EnvCredentialSource } from '../lambda/core/config/credentials';
import { connectRedisForGateway } from '../lambda/core/create-gateway';
import { sha256Hex } from '../lambda/core/pipeline/identity';
import { startLocalGateway } from '../lambda/local/server';
import { startFakeProvider } from '../test/support/fake-providers/fake-provider';

const args = process.argv.slice(2);
const REQUESTS = Number(args[args.indexOf('--requests') + 1] || 3000) || 3000;
const USE_REDIS = !args.includes('--no-redis');
const WARMUP = 300;
const KEY = 'sk-bench';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: 'How far is the moon?' }],
  max_tokens: 64,
});

function post(url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - started) / 1e6);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const provider = await startFakeProvider({ format: 'openai' });
  // The same client settings the deployed gateway uses.
  const redis = USE_REDIS ? connectRedisForGateway(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379') : undefined;
  if (redis) await new Promise((resolve) => redis.once('ready', resolve));
  const local = await startLocalGateway({
    config: parseGatewayConfig({
      models: { bench: { deployments: ['upstream'] } },
      deployments: {
        upstream: {
          provider: 'openai',
          model: 'gpt-fake-1',
          baseUrl: provider.url,
          credential: 'openai',
          pricing: { input: 150_000, output: 600_000 },
        },
      },
      apiKeys: [{ sha256: sha256Hex(KEY), tenant: 'bench' }],
      credentialEnv: { openai: 'BENCH_KEY' },
    }),
    redis,
    redisPrefix: `bench:${process.pid}:`,
    credentials: new EnvCredentialSource({ openai: 'BENCH_KEY' }, { BENCH_KEY: 'sk-upstream' }),
    traces: { record: () => undefined },
  });
  const direct = new URL(`${provider.url}/chat/completions`);
  const viaGateway = new URL(`${local.url}/v1/chat/completions`);
  const directHeaders = { authorization: 'Bearer sk-upstream' };
  const gatewayHeaders = { authorization: `Bearer ${KEY}` };

  for (let i = 0; i < WARMUP; i++) {
    await post(direct, directHeaders);
    await post(viaGateway, gatewayHeaders);
  }
  provider.requests.length = 0;
  const d: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    d.push(await post(direct, directHeaders));
    g.push(await post(viaGateway, gatewayHeaders));
    if (provider.requests.length > 1000) provider.requests.length = 0;
  }
  d.sort((a, b) => a - b);
  g.sort((a, b) => a - b);

  const rows = [50, 95, 99].map((p) => {
    const base = percentile(d, p);
    const through = percentile(g, p);
    return { p: `p${p}`, direct: base, gateway: through, added: through - base, ratio: through / base };
  });
  console.log(
    `gateway overhead, concurrency 1, ${REQUESTS} requests each (after ${WARMUP} warm-up), Redis on path: ${USE_REDIS ? 'yes' : 'no'}`,
  );
  console.log('| percentile | direct (ms) | through gateway (ms) | added (ms) | ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.p} | ${r.direct.toFixed(3)} | ${r.gateway.toFixed(3)} | ${r.added.toFixed(3)} | ${r.ratio.toFixed(2)} |`,
    );
  }

  await local.close();
  await provider.close();
  agent.destroy();
  redis?.disconnect();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
