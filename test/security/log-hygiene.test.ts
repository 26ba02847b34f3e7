import OpenAI from 'openai';
import { JsonLineTraceSink } from '../../lambda/core/trace/record';
import { KEYS, startHarness, type Harness } from '../gateway/harness';
import { useRedis } from '../support/services';

/**
 * A canary secret and personal data in prompts never reach a log line. Every line written while
 * calls run is captured (stdout, stderr and the console: trace records as JSON lines, policy
 * events, anything else), through success, streams, both provider formats, the exact cache, a
 * provider error that echoes the prompt, retries and failover, a token-limit refusal, a budget
 * threshold event and a client that goes away mid-stream. Then no line may hold any of the secrets.
 */
const CANARY = 'sk-canary-7f3a9c1e5b2d4f60a8e1';
const PII = {
  email: 'jane.doe.canary@example.org',
  phone: '+44 20 7946 0958',
  card: '4111 1111 1111 1111',
  iban: 'GB82 WEST 1234 5698 7654 32',
  address: '221B Baker Street, London NW1 6XE',
};
const SECRETS = [CANARY, ...Object.values(PII), KEYS.full, 'sk-upstream-openai', 'sk-upstream-anthropic'];
const prompt = `My card is ${PII.card}, mail ${PII.email}, phone ${PII.phone}, IBAN ${PII.iban}, I live at ${PII.address}. The key is ${CANARY}.`;

const redis = useRedis();
let h: Harness;
const lines: string[] = [];
const restore: Array<() => void> = [];

function capture(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return write(chunk as never, ...(rest as []));
    }) as typeof stream.write;
    restore.push(() => (stream.write = write));
  }
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const spy = jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
    restore.push(() => spy.mockRestore());
  }
}

beforeAll(async () => {
  h = await startHarness({
    redis: redis.client,
    redisPrefix: redis.prefix('log-hygiene'),
    exactCache: {},
    tokenLimits: { tenant: { perMinute: 1_000_000 }, user: { perMinute: 1_000_000 } },
    budgets: { tenant: { monthlyMicroUsd: 20_000 }, softThresholdPercent: 1 },
    alsoTraceTo: new JsonLineTraceSink(),
  });
  capture();
});
afterAll(async () => {
  for (const undo of restore.reverse()) undo();
  await h.close();
});

const messages = [
  { role: 'system' as const, content: `Customer context: ${prompt}` },
  { role: 'user' as const, content: prompt },
  {
    role: 'assistant' as const,
    content: null,
    tool_calls: [
      {
        id: 'call_1',
        type: 'function' as const,
        function: { name: 'lookup', arguments: JSON.stringify({ q: prompt }) },
      },
    ],
  },
  { role: 'tool' as const, tool_call_id: 'call_1', content: `Found: ${PII.email}` },
  { role: 'user' as const, content: [{ type: 'text' as const, text: `Again: ${prompt}` }] },
];
const tools = [{ type: 'function' as const, function: { name: 'lookup', description: `Looks up ${CANARY}` } }];

test('no secret or personal data from a prompt appears in any log line', async () => {
  const client = h.client();
  await client.chat.completions.create({ model: 'chat-a', messages, tools, user: PII.email, temperature: 0 });
  // The same again: answered from the exact cache.
  await client.chat.completions.create({ model: 'chat-a', messages, tools, user: PII.email, temperature: 0 });
  for await (const _chunk of await client.chat.completions.create({ model: 'claude', messages, stream: true })) {
    // drain
  }
  // The provider's error echoes the prompt back: the client sees the provider's words (scrubbed of
  // anything that looks like a key), the logs see only the provider's error type.
  h.openai.faults.push({
    kind: 'status',
    status: 400,
    body: { error: { message: `Rejected: ${prompt}`, type: 'invalid_request_error' } },
  });
  const rejected = await client.chat.completions.create({ model: 'chat-a', messages }).catch((e: unknown) => e);
  expect((rejected as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
  expect((rejected as Error).message).toContain('The provider rejected the request: Rejected: ');
  expect((rejected as Error).message).toContain('The key is [REDACTED]');
  expect((rejected as Error).message).not.toContain(CANARY);
  // Errors with the prompt in them, then failover.
  h.openai.faults.push(
    { kind: 'status', status: 500, body: { error: { message: prompt } } },
    { kind: 'status', status: 503, body: { error: { message: prompt } } },
  );
  await client.chat.completions.create({ model: 'chat-a', messages });
  // The output cap refuses: its message names the cap, not the prompt.
  const huge = await client.chat.completions
    .create({ model: 'chat-a', messages, max_tokens: 2_000_000 })
    .catch((e: unknown) => e);
  expect((huge as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
  expect((huge as InstanceType<typeof OpenAI.APIError>).code).toBe('max_tokens_too_large');
  // A client that goes away mid-stream.
  h.openai.faults.push({ kind: 'slow-stream', gapMs: 50 });
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    { model: 'chat-a', messages, stream: true },
    { signal: controller.signal },
  );
  for await (const _chunk of stream) {
    controller.abort();
  }
  // A malformed body and a wrong key, with the secrets in them.
  await fetch(`${h.local.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CANARY}`, 'content-type': 'application/json' },
    body: `{"model": "chat-a", "messages": [{"role": "user", "content": "${prompt}"`,
  });
  await fetch(`${h.local.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
    body: `{"model": "chat-a", "messages": [{"role": "user", "content": "${prompt}"`,
  });
  await new Promise((resolve) => setTimeout(resolve, 200)); // the aborted stream settles

  const log = lines.join('\n');
  // The drill saw the log: one trace record per call, and the budget's threshold event.
  expect(lines.filter((line) => line.includes('"type":"llm.trace"')).length).toBeGreaterThanOrEqual(8);
  expect(log).toContain('llm.budget.soft_threshold');
  expect(log).toContain('"outcome":"client_aborted"');
  for (const secret of SECRETS) {
    expect({ secret, found: log.includes(secret) }).toEqual({ secret, found: false });
  }
  // Nor in pieces: no word of the prompt longer than a common word.
  for (const word of ['Baker', 'WEST', '7946']) expect(log).not.toContain(word);
});
