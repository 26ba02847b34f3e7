import { costMicroUsd } from '../../lambda/core/trace/cost';
import { toAnthropicRequest } from '../../lambda/providers/anthropic/request';
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.anthropic.requests.length = 0;
  h.openai.requests.length = 0;
  h.traces.records.length = 0;
});

const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Weather in Paris?' },
];
const tool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('Anthropic Messages API behind the OpenAI surface', () => {
  test('the request is translated: system prompt, max_tokens, tools, tool choice; the key goes in x-api-key', async () => {
    const completion = await h.client().chat.completions.create({
      model: 'claude',
      messages,
      max_tokens: 300,
      temperature: 1.5,
      stop: 'END',
      tools: [tool],
      tool_choice: 'required',
    });
    const upstream = h.anthropic.requests[0];
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers['x-api-key']).toBe('sk-upstream-anthropic');
    expect(upstream.headers['anthropic-version']).toBe('2023-06-01');
    expect(upstream.body).toEqual({
      model: 'claude-fake-1',
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }],
      max_tokens: 300,
      temperature: 1,
      stop_sequences: ['END'],
      tools: [{ name: 'get_weather', input_schema: tool.function.parameters }],
      tool_choice: { type: 'any' },
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
    });
  });

  test('a tool result round-trips as a tool_result block, and consecutive turns merge', () => {
    const body = toAnthropicRequest(
      {
        model: 'claude',
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: '21C' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'And tomorrow?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            ],
          },
        ],
      },
      {
        provider: 'anthropic',
        model: 'm',
        baseUrl: 'http://x',
        timeouts: { firstByteMs: 1, totalMs: 1, idleMs: 1 },
        pricing: { input: 0, output: 0 },
      },
      false,
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '21C' },
          { type: 'text', text: 'And tomorrow?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
        ],
      },
    ]);
    expect(body.max_tokens).toBe(4096);
  });

  test('a streamed answer arrives as OpenAI chunks, text and tool calls alike, with usage', async () => {
    const stream = await h.client().chat.completions.create({
      model: 'claude',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('The quick brown fox jumps.');
    expect(finish).toBe('stop');
    expect(usage).toEqual({
      prompt_tokens: 21,
      completion_tokens: 5,
      total_tokens: 26,
      prompt_tokens_details: { cached_tokens: 8 },
    });

    const tools = await h.client().chat.completions.create({ model: 'claude', messages, tools: [tool], stream: true });
    let args = '';
    for await (const chunk of tools) args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    expect(args).toBe('{"city":"Paris"}');
  });
});

describe('cost in integer micro-dollars', () => {
  test('the exact sum, rounded up once', () => {
    const pricing = { input: 150_000, output: 600_000, cachedInput: 75_000 };
    // 13 uncached x 0.15 + 8 cached x 0.075 + 5 x 0.6 = 1.95 + 0.6 + 3.0 = 5.55 -> 6
    expect(costMicroUsd(pricing, { inputTokens: 21, outputTokens: 5, cachedInputTokens: 8 })).toBe(6);
    expect(costMicroUsd(pricing, { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 0 })).toBe(
      750_000,
    );
    expect(costMicroUsd(pricing, { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 })).toBe(0);
    // Without a cached price, cached tokens cost the input price.
    expect(
      costMicroUsd({ input: 1_000_000, output: 0 }, { inputTokens: 3, outputTokens: 0, cachedInputTokens: 3 }),
    ).toBe(3);
  });

  test.each([
    // usage blocks recorded from the fakes: 21 input of which 8 cached, 5 output
    ['OpenAI', 'chat-a', false, 6], // 13*0.15 + 8*0.075 + 5*0.6 = 5.55
    ['OpenAI', 'chat-a', true, 6],
    ['Anthropic', 'claude', false, 117], // 13*3 + 8*0.3 + 5*15 = 116.4
    ['Anthropic', 'claude', true, 117],
  ])(
    '%s usage via model %s, stream=%s: the trace records the expected total',
    async (_provider, model, stream, expected) => {
      if (stream) {
        const s = await h.client().chat.completions.create({ model, messages, stream: true });
        for await (const _chunk of s) {
          // drain
        }
      } else {
        await h.client().chat.completions.create({ model, messages });
      }
      expect(h.traces.records[0]).toMatchObject({
        inputTokens: 21,
        cachedInputTokens: 8,
        outputTokens: 5,
        costMicroUsd: expected,
        stream,
        outcome: 'success',
      });
    },
  );

  test('prompts and completions never appear in a trace record', async () => {
    await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages: [{ role: 'user', content: 'canary-7f3a secret text' }] });
    const serialized = JSON.stringify(h.traces.records);
    expect(serialized).not.toContain('canary-7f3a');
    expect(serialized).not.toContain('quick brown fox');
    expect(serialized).not.toContain('sk-');
  });
});
