/**
 * CPU cost of the gateway's own code per request, without any I/O: the core pipeline (key check,
 * body checks, JSON and schema validation, router, kill switch, token limits, exact cache miss and
 * store, breaker, the OpenAI provider's request and response transforms, cost, trace record) with
 * in-process state and a provider that answers from memory. The baseline is the least any gateway
 * must do with the same bytes: parse the request, serialise it upstream, parse the answer and
 * serialise it back.
 *
 *   npx tsx bench/pipeline-cpu.ts [--requests 20000] [--rounds 5]
 *
 * Less sensitive to a busy machine than the latency benchmarks (no process hops, no sleeping), so it
 * is the one to watch when changing the core. Profile it with
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/pipeline-cpu.ts
 */
import * as path from 'node:path';
import { parseGatewayConfig } from '../lambda/core/config/load';
import { EnvCredentialSource } from '../lambda/core/config/credentials';
import { createGateway } from '../lambda/runtime/create-gateway';
import type { GatewayRequest } from '../lambda/core/http/types';
import type { ProviderClient } from '../lambda/core/providers/provider';
import { sha256Hex } from '../lambda/core/pipeline/identity';
import { JsonLineTraceSink } from '../lambda/core/trace/record';
import { loadClassifierModel } from '../lambda/core/policy/router/classifier';
import { openAiProvider } from '../lambda/providers/openai';
import { machineLoad, median, printTable } from './support/stats';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const REQUESTS = option('--requests', 20_000);
const ROUNDS = option('--rounds', 5);

const answer = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-fake-1',
  choices: [{ index: 0, message: { role: 'assistant', content: 'word '.repeat(5) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
});

/** The OpenAI provider's transforms, with the network replaced by a string in memory. */
const inMemoryOpenAi: ProviderClient = {
  async complete(request, context) {
    JSON.stringify(openAiProvider.toChatRequest(request, context.deployment, false));
    return openAiProvider.fromChatResponse(JSON.parse(answer), request);
  },
  stream() {
    throw new Error('not measured here');
  },
};

const KEY = 'sk-bench-gateway';
const gateway = createGateway({
  config: parseGatewayConfig({
    models: { bench: { deployments: ['upstream'] } },
    deployments: {
      upstream: {
        provider: 'openai',
        model: 'gpt-fake-1',
        baseUrl: 'http://127.0.0.1:9/v1',
        credential: 'openai',
        pricing: { input: 150_000, output: 600_000 },
      },
    },
    routing: {
      tiers: {
        small: { model: 'bench' },
        code: { model: 'bench' },
        reasoning: { model: 'bench' },
        local: { model: 'bench' },
      },
      rules: [{ tier: 'code', when: { pattern: '```' } }],
      classifier: {},
      defaultTier: 'small',
    },
    tokenLimits: { tenant: { perMinute: 1_000_000_000_000, perDay: 1_000_000_000_000 } },
    exactCache: { ttlSeconds: 120 },
    apiKeys: [{ sha256: sha256Hex(KEY), tenant: 'bench' }],
    credentialEnv: { openai: 'BENCH_UPSTREAM_KEY' },
  }),
  credentials: new EnvCredentialSource({ openai: 'BENCH_UPSTREAM_KEY' }, { BENCH_UPSTREAM_KEY: 'sk-upstream' }),
  traces: new JsonLineTraceSink(() => undefined),
  routerModel: loadClassifierModel(path.join(__dirname, '../data/router/model.json')),
  providers: { openai: inMemoryOpenAi },
});

const bodyOf = (i: number, model: string) =>
  Buffer.from(
    JSON.stringify({
      model,
      messages: [{ role: 'user', content: `How far is the moon from the earth, in kilometres? (${i})` }],
      temperature: 0,
      max_tokens: 64,
    }),
  );
const signal = new AbortController().signal;
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

async function throughGateway(i: number): Promise<void> {
  const request: GatewayRequest = {
    method: 'POST',
    path: '/v1/chat/completions',
    headers,
    body: bodyOf(i, 'auto'),
    signal,
  };
  const response = await gateway.handle(request);
  if (response.status !== 200) throw new Error(`status ${response.status}: ${JSON.stringify(response)}`);
}

async function baseline(i: number): Promise<void> {
  const request = JSON.parse(bodyOf(i, 'gpt-fake-1').toString('utf8'));
  JSON.stringify(request);
  JSON.stringify(JSON.parse(answer));
  await Promise.resolve();
}

async function microsPerRequest(work: (i: number) => Promise<void>, offset: number): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) await work(offset + i);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / REQUESTS;
}

async function main(): Promise<void> {
  await microsPerRequest(throughGateway, -REQUESTS); // warm-up
  await microsPerRequest(baseline, -REQUESTS);
  const gatewayRounds: number[] = [];
  const baselineRounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    gatewayRounds.push(await microsPerRequest(throughGateway, round * REQUESTS));
    baselineRounds.push(await microsPerRequest(baseline, round * REQUESTS));
  }
  console.log(`CPU per request, ${REQUESTS} requests x ${ROUNDS} rounds (median, min), ${machineLoad()}\n`);
  printTable(
    ['one request, no I/O', 'median (µs)', 'min (µs)'],
    [
      [
        'parse + serialise request and answer (baseline)',
        median(baselineRounds).toFixed(1),
        Math.min(...baselineRounds).toFixed(1),
      ],
      [
        'gateway core pipeline, full hot path (in-process state)',
        median(gatewayRounds).toFixed(1),
        Math.min(...gatewayRounds).toFixed(1),
      ],
    ],
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
