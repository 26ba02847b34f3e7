import OpenAI from 'openai';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import { MemoryTraceSink } from '../support/memory-sinks';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/server';
import { bedrockProvider } from '../../lambda/providers/bedrock';
import { startFakeProvider, type FakeProvider } from '../support/fake-providers/fake-provider';

/** Bedrock Converse and ConverseStream through the real AWS SDK client, against a loopback server. */
let fake: FakeProvider;
let local: LocalGateway;
let client: OpenAI;
const traces = new MemoryTraceSink();
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hello' },
];

beforeAll(async () => {
  fake = await startFakeProvider({ format: 'bedrock' });
  local = await startLocalGateway({
    config: parseGatewayConfig({
      models: { nova: { deployments: ['bedrock-east'] } },
      deployments: {
        'bedrock-east': {
          provider: 'bedrock',
          model: 'amazon.nova-lite-v1:0',
          region: 'us-east-1',
          baseUrl: fake.url,
          // No test here is about timeouts: room for the first signed call's module loading on a loaded machine.
          timeouts: { firstByteMs: 5_000, totalMs: 15_000 },
          pricing: { input: 60_000, output: 240_000, cachedInput: 15_000 },
        },
      },
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 20 },
      apiKeys: [{ sha256: sha256Hex('sk-bedrock-test'), tenant: 't' }],
    }),
    traces,
    resolveHost: async () => ['93.184.216.34'], // a public address, without asking DNS
    providers: {
      bedrock: bedrockProvider({ credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' } }),
    },
  });
  client = new OpenAI({ apiKey: 'sk-bedrock-test', baseURL: `${local.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await local.close();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  traces.records.length = 0;
});

test('Converse: translated request, SigV4-signed, answer and usage back in OpenAI form', async () => {
  const completion = await client.chat.completions.create({
    model: 'nova',
    messages,
    max_tokens: 100,
    temperature: 0.3,
  });
  expect(completion.choices[0].message.content).toBe('The quick brown fox jumps.');
  expect(completion.usage).toMatchObject({
    prompt_tokens: 21,
    completion_tokens: 5,
    prompt_tokens_details: { cached_tokens: 8 },
  });
  const upstream = fake.requests[0];
  expect(upstream.path).toBe('/v1/model/amazon.nova-lite-v1%3A0/converse');
  expect(upstream.headers.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/,
  );
  expect(upstream.body).toEqual({
    system: [{ text: 'Be brief.' }],
    messages: [{ role: 'user', content: [{ text: 'Hello' }] }],
    inferenceConfig: { maxTokens: 100, temperature: 0.3 },
  });
  // 13 x 0.06 + 8 x 0.015 + 5 x 0.24 = 0.78 + 0.12 + 1.2 = 2.1 -> 3
  expect(traces.records[0]).toMatchObject({ provider: 'bedrock', costMicroUsd: 3, outcome: 'success' });
});

test('ConverseStream: AWS event-stream frames become OpenAI chunks, with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'nova',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage ?? usage;
  }
  expect(text).toBe('The quick brown fox jumps.');
  expect(usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 5 });
  expect(fake.requests[0].path).toBe('/v1/model/amazon.nova-lite-v1%3A0/converse-stream');
  expect(traces.records[0]).toMatchObject({ stream: true, costMicroUsd: 3 });
});

test('tool use, streamed', async () => {
  const stream = await client.chat.completions.create({
    model: 'nova',
    messages,
    stream: true,
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    tool_choice: 'required',
  });
  let args = '';
  let name = '';
  for await (const chunk of stream) {
    const call = chunk.choices[0]?.delta.tool_calls?.[0];
    name += call?.function?.name ?? '';
    args += call?.function?.arguments ?? '';
  }
  expect({ name, args }).toEqual({ name: 'get_weather', args: '{"city":"Paris"}' });
  expect(fake.requests[0].body.toolConfig).toEqual({
    tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }],
    toolChoice: { any: {} },
  });
});

test('a throttled call is retried by the gateway, not by the SDK', async () => {
  fake.faults.push({ kind: 'status', status: 429 });
  const completion = await client.chat.completions.create({ model: 'nova', messages });
  expect(completion.choices[0].message.content).toBe('The quick brown fox jumps.');
  expect(fake.requests).toHaveLength(2);
  expect(traces.records[0]).toMatchObject({ attempts: 2 });
});

test('an image URL (Converse takes only image bytes) is a 400 saying why, never a call, never a breaker failure', async () => {
  const withUrl = {
    model: 'nova',
    messages: [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'What is this?' },
          { type: 'image_url' as const, image_url: { url: 'https://images.example.com/cat.png' } },
        ],
      },
    ],
  };
  // More refusals than the breaker's failure threshold (5): the deployment must stay closed.
  for (let i = 0; i < 6; i++) {
    const error = await client.chat.completions.create(withUrl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('unsupported_request');
    expect((error as Error).message).toMatch(/Bedrock accepts images only as base64 data URLs/);
  }
  expect(fake.requests).toHaveLength(0);
  expect(traces.records.every((t) => t.status === 400 && t.attempts === 1)).toBe(true);
  const completion = await client.chat.completions.create({ model: 'nova', messages });
  expect(completion.choices[0].message.content).toBe('The quick brown fox jumps.');
});
