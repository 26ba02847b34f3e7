import { APIError } from 'openai';
import { KEYS, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.openai.faults.length = 0;
  h.anthropic.faults.length = 0;
  h.openai.requests.length = 0;
  h.anthropic.requests.length = 0;
  h.traces.records.length = 0;
});

const messages = [{ role: 'user' as const, content: 'Say something about foxes.' }];
const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

async function rejection(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(APIError);
    return error as APIError;
  }
  throw new Error('expected the call to fail');
}

describe('the official openai client against the local gateway', () => {
  test('chat completion, with the upstream key from the credential store, never the client key', async () => {
    const completion = await h.client().chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0.2 });
    expect(completion.choices[0].message.content).toBe('The quick brown fox jumps.');
    expect(completion.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 5 });
    const upstream = h.openai.requests[0];
    expect(upstream.headers.authorization).toBe('Bearer sk-upstream-openai');
    expect(upstream.body).toMatchObject({ model: 'gpt-fake-1', temperature: 0.2, messages });
    expect(upstream.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  test('streaming, ending in [DONE], with usage only when asked', async () => {
    const stream = await h.client().chat.completions.create({ model: 'chat-a', messages, stream: true });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks++;
    }
    expect(text).toBe('The quick brown fox jumps.');
    expect(usageChunks).toBe(0);
    // Upstream is always asked for usage, so streamed calls are accounted.
    expect(h.openai.requests[0].body.stream_options).toEqual({ include_usage: true });
    expect(h.traces.records[0]).toMatchObject({ stream: true, inputTokens: 21, outputTokens: 5, outcome: 'success' });

    const withUsage = await h.client().chat.completions.create({
      model: 'chat-a',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const usages = [];
    for await (const chunk of withUsage) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toEqual([expect.objectContaining({ prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 })]);
  });

  test('tools, non-streamed and streamed', async () => {
    const completion = await h.client().chat.completions.create({ model: 'chat-a', messages, tools: [weatherTool] });
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(h.openai.requests[0].body.tools).toEqual([weatherTool]);

    const stream = await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages, tools: [weatherTool], stream: true });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
    }
    expect({ name, args }).toEqual({ name: 'get_weather', args: '{"city":"Paris"}' });
  });

  test('embeddings', async () => {
    const response = await h.client().embeddings.create({ model: 'embed', input: ['one', 'two'] });
    expect(response.data.map((d) => d.index)).toEqual([0, 1]);
    expect(response.data[0].embedding).toEqual([0.6, 0.8, 0]);
  });

  test('models: every model, or only those a key may use', async () => {
    const all = await h.client().models.list();
    expect(all.data.map((m) => m.id)).toEqual(['chat-a', 'claude', 'embed', 'local-llm']);
    const restricted = await h.client(KEYS.restricted).models.list();
    expect(restricted.data.map((m) => m.id)).toEqual(['claude']);
  });

  test('the client request id is echoed, and one is made when absent', async () => {
    const { response } = await h
      .client()
      .chat.completions.create({ model: 'chat-a', messages }, { headers: { 'x-request-id': 'req-abc.123' } })
      .withResponse();
    expect(response.headers.get('x-request-id')).toBe('req-abc.123');
    expect(h.openai.requests[0].headers['x-request-id']).toBe('req-abc.123');
    const { response: second } = await h.client().chat.completions.create({ model: 'chat-a', messages }).withResponse();
    expect(second.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('every rejection is an OpenAI error with the right status', () => {
  test('400 names the field', async () => {
    const error = await rejection(
      h.client().chat.completions.create({ model: 'chat-a', messages, temperature: 7 } as never),
    );
    expect(error.status).toBe(400);
    expect(error.param).toBe('temperature');
    expect(error.message).toBe("400 Invalid value for 'temperature': must be at most 2.");
    expect(h.openai.requests).toHaveLength(0);
  });

  test('400 for a body that is not JSON', async () => {
    const response = await fetch(`${h.local.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: 'The request body is not valid JSON.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_json',
      },
    });
  });

  test('401 without a key or with a wrong one', async () => {
    expect((await rejection(h.client('sk-wrong').chat.completions.create({ model: 'chat-a', messages }))).status).toBe(
      401,
    );
    const response = await fetch(`${h.local.url}/v1/models`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });

  test('403 for a model the key may not use', async () => {
    const error = await rejection(h.client(KEYS.restricted).chat.completions.create({ model: 'chat-a', messages }));
    expect(error.status).toBe(403);
    expect(error.code).toBe('model_not_allowed');
  });

  test('404 for an unknown model', async () => {
    const error = await rejection(h.client().chat.completions.create({ model: 'gpt-9', messages }));
    expect(error.status).toBe(404);
    expect(error.code).toBe('model_not_found');
    expect(error.param).toBe('model');
  });

  test('413 for a body over the limit, before it is parsed', async () => {
    const huge = 'x'.repeat(70 * 1024);
    const error = await rejection(
      h.client().chat.completions.create({ model: 'chat-a', messages: [{ role: 'user', content: huge }] }),
    );
    expect(error.status).toBe(413);
    expect(error.code).toBe('request_too_large');
  });

  test('429 with Retry-After when every deployment is rate limited', async () => {
    h.openai.faults.push({ kind: 'status', status: 429, retryAfter: '7' });
    h.anthropic.faults.push({ kind: 'status', status: 429, retryAfter: '3' });
    const error = await rejection(h.client().chat.completions.create({ model: 'chat-a', messages }));
    expect(error.status).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('3');
    // A Retry-After longer than the backoff cap is a reason to fail over, not to wait.
    expect(h.openai.requests).toHaveLength(1);
    expect(h.anthropic.requests).toHaveLength(1);
  });

  test('502 when every deployment fails, after retrying each', async () => {
    h.openai.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    h.anthropic.faults.push({ kind: 'reset' }, { kind: 'status', status: 502 });
    const error = await rejection(h.client().chat.completions.create({ model: 'chat-a', messages }));
    expect(error.status).toBe(502);
    expect(h.openai.requests).toHaveLength(2);
    expect(h.anthropic.requests).toHaveLength(2);
    expect(h.traces.records[0]).toMatchObject({ outcome: 'upstream_error', attempts: 4, failovers: 1, status: 502 });
  });

  test('504 when no deployment sends a first byte in time', async () => {
    for (let i = 0; i < 2; i++) {
      h.openai.faults.push({ kind: 'slow-first-byte', delayMs: 1_000 });
      h.anthropic.faults.push({ kind: 'slow-first-byte', delayMs: 1_000 });
    }
    const error = await rejection(h.client().chat.completions.create({ model: 'chat-a', messages }));
    expect(error.status).toBe(504);
    expect(error.code).toBe('upstream_timeout');
  });

  test('404 for an unknown route, 405 for a wrong method', async () => {
    expect((await fetch(`${h.local.url}/v1/completions-nope`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${h.local.url}/v1/chat/completions`)).status).toBe(405);
    expect((await fetch(`${h.local.url}/health`)).status).toBe(200);
  });
});
