import { startHarness, type Harness } from './harness';

/** What reaches the provider: the parameter map decides, never the client. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.openai.requests.length = 0;
});

const messages = [
  { role: 'developer' as const, content: 'Answer in JSON.' },
  {
    role: 'user' as const,
    content: [
      { type: 'text' as const, text: 'Describe this.' },
      { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ],
  },
];

test('OpenAI parameters pass through unchanged, multi-part content included', async () => {
  await h.client().chat.completions.create({
    model: 'chat-a',
    messages,
    n: 2,
    stop: ['END', 'STOP'],
    temperature: 0,
    top_p: 0.9,
    seed: 7,
    max_completion_tokens: 123,
    response_format: { type: 'json_object' },
    presence_penalty: 0.5,
    user: 'end-user-42',
  });
  expect(h.openai.requests[0].body).toEqual({
    model: 'gpt-fake-1',
    messages,
    n: 2,
    stop: ['END', 'STOP'],
    temperature: 0,
    top_p: 0.9,
    seed: 7,
    max_completion_tokens: 123,
    response_format: { type: 'json_object' },
    presence_penalty: 0.5,
    user: 'end-user-42',
  });
});

test('max_tokens reaches OpenAI as max_completion_tokens and an OpenAI-compatible server as max_tokens', async () => {
  await h.client().chat.completions.create({ model: 'chat-a', messages, max_tokens: 50 });
  await h.client().chat.completions.create({ model: 'local-llm', messages, max_completion_tokens: 60 });
  expect(h.openai.requests[0].body).toMatchObject({ max_completion_tokens: 50 });
  expect(h.openai.requests[0].body).not.toHaveProperty('max_tokens');
  expect(h.openai.requests[1].body).toMatchObject({ model: 'meta-llama/Llama-3.1-8B-Instruct', max_tokens: 60 });
  expect(h.openai.requests[1].body).not.toHaveProperty('max_completion_tokens');
  // A self-hosted deployment without a credential gets no Authorization header.
  expect(h.openai.requests[1].headers.authorization).toBeUndefined();
});

test('a client cannot choose where the gateway connects, nor smuggle fields upstream', async () => {
  const response = await fetch(`${h.local.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer sk-test-full-access',
      'content-type': 'application/json',
      host: '169.254.169.254',
    },
    body: JSON.stringify({
      model: 'chat-a',
      messages: [{ role: 'user', content: 'hi' }],
      base_url: 'http://169.254.169.254/latest/meta-data/',
      api_base: 'http://127.0.0.1:1/',
      baseUrl: 'http://10.0.0.1/',
      extra_headers: { authorization: 'Bearer stolen' },
    }),
  });
  expect(response.status).toBe(200);
  expect(h.openai.requests).toHaveLength(1);
  const upstream = h.openai.requests[0];
  expect(Object.keys(upstream.body).sort()).toEqual(['messages', 'model']);
  expect(upstream.headers.authorization).toBe('Bearer sk-upstream-openai');
});
