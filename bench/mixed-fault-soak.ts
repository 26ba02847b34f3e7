import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import OpenAI, { APIError } from 'openai';
import type { GatewayConfigInput } from '../lambda/contract/config/gateway-config';
import { sha256Hex } from '../lambda/core/pipeline/identity';
import { startFakeProvider, type Fault, type FakeProvider } from '../test/support/fake-providers/fake-provider';
import { startGatewayProcess, type GatewayProcess } from '../test/support/gateway-processes';
import { startDisposableRedis } from '../test/support/redis-server';
import { ascending, count, machineLoad, ms, percentile, printTable } from './support/stats';

/**
 * A mixed-fault soak: two gateway processes on one Redis in front of a primary that moves between
 * healthy, 500s, connection resets, hangs and streams cut mid-answer, and a healthy fallback, under
 * steady load (half the calls streamed, clients that never retry, so what they see is the
 * gateway's own doing). It prints what was served, errors by class, calls the primary received
 * while its breaker was open (goal 0), answers with duplicated tokens (goal 0), and how long after
 * each fault began the first call failed over (p50, p99).
 *
 *   npm run bench:soak -- [--minutes 5] [--phase-seconds 15] [--concurrency 4]
 */
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    'phase-seconds': { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '4' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:soak -- [--minutes 5] [--phase-seconds 15] [--concurrency 4 (clients per gateway)]');
  process.exit(0);
}
const DURATION_MS = Number(args.minutes) * 60_000;
const PHASE_MS = Number(args['phase-seconds']) * 1_000;
const CONCURRENCY = Number(args.concurrency);
for (const [name, value] of Object.entries({ DURATION_MS, PHASE_MS, CONCURRENCY })) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${value})`);
}

const KEY = 'sk-soak';
const WORDS = 'The quick brown fox jumps.';
const BREAKER = { failureThreshold: 5, openMs: 2_000 };
/**
 * A call's breaker permit is asked for when the request arrives (with its other Redis reads), so a
 * call let through just before the breaker opened reaches the provider a little later: how much
 * later depends on how busy the machine is, hence two figures.
 */
const IN_FLIGHT_GRACE_MS = [100, 1_000];
/** Each fault starts from a healthy primary with a closed breaker, so that its failover time is its own. */
const PHASES = ['healthy', 'status-500', 'healthy', 'reset', 'healthy', 'hang', 'healthy', 'cut-stream'] as const;
type Phase = (typeof PHASES)[number];

function config(primary: FakeProvider, fallback: FakeProvider): GatewayConfigInput {
  const timeouts = { firstByteMs: 500, totalMs: 10_000, idleMs: 500 };
  const pricing = { input: 150_000, output: 600_000 };
  return {
    models: { chat: { deployments: ['primary', 'fallback'] } },
    deployments: {
      primary: {
        provider: 'openai',
        model: 'gpt-fake-1',
        baseUrl: primary.url,
        credential: 'openai',
        timeouts,
        pricing,
      },
      fallback: {
        provider: 'anthropic',
        model: 'claude-fake-1',
        baseUrl: fallback.url,
        credential: 'anthropic',
        timeouts,
        pricing,
      },
    },
    retry: { maxAttempts: 2, initialDelayMs: 20, maxDelayMs: 200 },
    breaker: BREAKER,
    apiKeys: [{ sha256: sha256Hex(KEY), tenant: 'soak' }],
    credentialEnv: { openai: 'SOAK_OPENAI_KEY', anthropic: 'SOAK_ANTHROPIC_KEY' },
  };
}

/** The primary's behaviour in a phase; a hang lasts until the phase ends. */
function faultOf(phase: Phase, phaseEnds: Promise<void>): Fault {
  switch (phase) {
    case 'healthy':
      return { kind: 'ok' };
    case 'status-500':
      return { kind: 'status', status: 500 };
    case 'reset':
      return { kind: 'reset' };
    case 'hang':
      return { kind: 'hold', until: phaseEnds };
    case 'cut-stream':
      return { kind: 'cut-stream', afterEvents: 2 };
  }
}

/**
 * The primary's breaker as this process saw it, every 20 ms: when each answer came back, and the
 * open period (`openUntil`, 0 when closed) it showed. Arrivals at the fake provider are stamped by
 * the same busy process, so comparing the two on its own clock does not blame the gateway for
 * this process's lag.
 */
interface BreakerSample {
  readonly seenAt: number;
  readonly openUntil: number;
}
function watchBreaker(redis: Redis, prefix: string): { samples: BreakerSample[]; stop(): void } {
  const samples: BreakerSample[] = [];
  const timer = setInterval(() => {
    void redis.hget(`${prefix}breaker:{primary}`, 'openUntil').then(
      (value) => samples.push({ seenAt: Date.now(), openUntil: Number(value ?? 0) }),
      () => undefined,
    );
  }, 20);
  return { samples, stop: () => clearInterval(timer) };
}

/**
 * Calls that arrived while one open period was seen both more than `graceMs` before and after
 * them, before it ended: the breaker was open all along, not just opened by failures still in
 * flight (Redis's clock and this process's are the same machine's).
 */
function callsWhileOpen(arrivals: readonly number[], samples: readonly BreakerSample[], graceMs: number): number {
  return arrivals.filter((at) => {
    const before = samples.findLast((s) => s.seenAt < at - graceMs);
    // After `openUntil` one probe is let through: half-open, not open.
    if (!before || before.openUntil === 0 || at >= before.openUntil) return false;
    const after = samples.find((s) => s.seenAt > at);
    return after?.openUntil === before.openUntil;
  }).length;
}

interface Outcomes {
  served: number;
  errors: Map<string, number>;
  duplicated: number;
}

async function client(gateway: GatewayProcess, stream: boolean, outcomes: Outcomes): Promise<void> {
  const openai = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0, timeout: 30_000 });
  const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];
  const fail = (kind: string) => void outcomes.errors.set(kind, (outcomes.errors.get(kind) ?? 0) + 1);
  let text = '';
  try {
    if (stream) {
      const answer = await openai.chat.completions.create({ model: 'chat', messages, stream: true });
      try {
        for await (const chunk of answer) text += chunk.choices[0]?.delta.content ?? '';
      } catch {
        if (!WORDS.startsWith(text)) outcomes.duplicated++;
        return fail('stream cut after the first byte');
      }
    } else {
      text = (await openai.chat.completions.create({ model: 'chat', messages })).choices[0].message.content ?? '';
    }
    if (text === WORDS) outcomes.served++;
    else if (!WORDS.startsWith(text)) outcomes.duplicated++;
    else fail('short answer');
  } catch (error) {
    fail(
      error instanceof APIError
        ? `${error.status ?? 'connection'} ${error.code ?? error.type ?? ''}`.trim()
        : String(error),
    );
  }
}

async function main(): Promise<void> {
  const redisServer = await startDisposableRedis();
  const redis = new Redis(redisServer.url);
  const primary = await startFakeProvider({ format: 'openai' });
  const fallback = await startFakeProvider({ format: 'anthropic' });
  const prefix = 'soak:';
  const env = { REDIS_URL: redisServer.url, SOAK_OPENAI_KEY: 'sk-up-openai', SOAK_ANTHROPIC_KEY: 'sk-up-anthropic' };
  const gateways = await Promise.all([0, 1].map(() => startGatewayProcess(config(primary, fallback), prefix, env)));
  const breaker = watchBreaker(redis, prefix);
  const outcomes: Outcomes = { served: 0, errors: new Map(), duplicated: 0 };
  const faultStarts: number[] = [];

  const started = Date.now();
  const deadline = started + DURATION_MS;
  // The phases, in order and round again: a hang is released when its phase ends.
  const phases = (async () => {
    for (let i = 0; Date.now() < deadline; i++) {
      const phase = PHASES[i % PHASES.length];
      let endPhase!: () => void;
      const phaseEnds = new Promise<void>((resolve) => (endPhase = resolve));
      if (phase !== 'healthy') faultStarts.push(Date.now());
      primary.steady = () => faultOf(phase, phaseEnds);
      await new Promise((resolve) => setTimeout(resolve, Math.min(PHASE_MS, Math.max(0, deadline - Date.now()))));
      endPhase();
    }
    primary.steady = () => ({ kind: 'ok' });
  })();
  const workers = gateways.flatMap((gateway) =>
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let n = 0; Date.now() < deadline; n++) await client(gateway, (n + w) % 2 === 0, outcomes);
    }),
  );
  await Promise.all([phases, ...workers]);
  const elapsedMs = Date.now() - started;
  breaker.stop();

  const openings = new Set(breaker.samples.map((s) => s.openUntil).filter((until) => until > 0)).size;
  const arrivals = primary.requests.map((r) => r.at);
  const toFailover = ascending(
    faultStarts
      .map((start) => fallback.requests.find((r) => r.at >= start)?.at)
      .flatMap((at, i) => (at === undefined ? [] : [at - faultStarts[i]])),
  );

  console.log(
    `Mixed-fault soak: ${ms(elapsedMs / 60_000, 1)} min, 2 gateway processes on one Redis, ${CONCURRENCY} clients each`,
  );
  console.log(`primary phases of ${PHASE_MS / 1000} s: ${PHASES.join(' → ')} (round again); fallback healthy`);
  console.log(
    `breaker: ${BREAKER.failureThreshold} failures open it for ${BREAKER.openMs} ms; load: ${machineLoad()}\n`,
  );
  printTable(
    ['figure', 'value'],
    [
      [
        'calls made',
        count(outcomes.served + outcomes.duplicated + [...outcomes.errors.values()].reduce((a, b) => a + b, 0)),
      ],
      ['served (whole answer)', count(outcomes.served)],
      ['calls per second', ms((outcomes.served * 1000) / elapsedMs, 1)],
      ['primary calls', count(primary.requests.length)],
      ['fallback calls', count(fallback.requests.length)],
      ['breaker openings', count(openings)],
      ...IN_FLIGHT_GRACE_MS.map((grace) => [
        `primary calls while its breaker was open (seen open > ${grace} ms before, and after)`,
        count(callsWhileOpen(arrivals, breaker.samples, grace)),
      ]),
      ['answers with duplicated tokens', count(outcomes.duplicated)],
      [`fault → first failover p50 (ms, n=${toFailover.length})`, ms(percentile(toFailover, 50), 0)],
      ['fault → first failover p99 (ms)', ms(percentile(toFailover, 99), 0)],
    ],
  );
  console.log('\nerrors the clients saw, by class:');
  printTable(
    ['class', 'count'],
    [...outcomes.errors].sort((a, b) => b[1] - a[1]).map(([kind, n]) => [kind, count(n)]),
  );

  await Promise.all(gateways.map((g) => g.stop()));
  await Promise.all([primary.close(), fallback.close()]);
  redis.disconnect();
  await redisServer.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
