import * as path from 'node:path';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import { loadClassifierModel } from '../../lambda/core/policy/router/classifier';
import { startHarness, type Harness } from './harness';

/** The router in the pipeline: `auto` becomes a tier's model before admission, cache and call. */
const routerModel = loadClassifierModel(path.join(__dirname, '../../data/router/model.json'));
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    routerModel,
    routing: {
      tiers: {
        small: { model: 'chat-a' },
        code: { model: 'claude' },
        reasoning: { model: 'claude' },
        local: { model: 'local-llm' },
      },
      rules: [{ tier: 'local', when: { features: ['hr-assistant'] } }],
      classifier: {},
      defaultTier: 'small',
    },
  });
});
afterAll(() => h.close());
beforeEach(() => {
  h.openai.requests.length = 0;
  h.anthropic.requests.length = 0;
  h.traces.records.length = 0;
});

test('a rule sends a tagged feature to the self-hosted tier; the header and the trace say why', async () => {
  const { response } = await h
    .client()
    .chat.completions.create(
      { model: 'auto', messages: [{ role: 'user', content: 'How many days of parental leave do we get?' }] },
      { headers: { 'x-llm-feature': 'hr-assistant' } },
    )
    .withResponse();
  expect(response.headers.get('x-llm-route')).toBe('tier=local; model=local-llm; reason=rule; rule=0');
  expect(h.openai.requests[0].body.model).toBe('meta-llama/Llama-3.1-8B-Instruct');
  expect(h.traces.records[0]).toMatchObject({
    modelRequested: 'auto',
    model: 'local-llm',
    routeDecision: 'tier=local; model=local-llm; reason=rule; rule=0',
    feature: 'hr-assistant',
  });
});

test('the classifier sends a coding request to the code tier', async () => {
  const { response } = await h
    .client()
    .chat.completions.create({
      model: 'auto',
      messages: [
        {
          role: 'user',
          content: 'Write a TypeScript function that retries a fetch with exponential backoff, with unit tests.',
        },
      ],
    })
    .withResponse();
  expect(response.headers.get('x-llm-route')).toMatch(
    /^tier=code; model=claude; reason=classifier; confidence=(0\.\d\d|1\.00)$/,
  );
  expect(h.anthropic.requests).toHaveLength(1);
});

test('an explicit model is not routed', async () => {
  const { response } = await h
    .client()
    .chat.completions.create({ model: 'chat-a', messages: [{ role: 'user', content: 'Write a Python function.' }] })
    .withResponse();
  expect(response.headers.get('x-llm-route')).toBe('model=chat-a');
  expect(h.openai.requests).toHaveLength(1);
});

test('a tier naming an unknown model is refused with the config, before the gateway starts (and at synth)', async () => {
  expect(() =>
    parseGatewayConfig({
      models: { a: { deployments: ['b'] } },
      deployments: { b: { provider: 'builtin', model: 'x', pricing: { input: 0, output: 0 } } },
      routing: { tiers: { small: { model: 'nope' } }, defaultTier: 'small' },
    }),
  ).toThrow('routing.tiers.small.model: "nope" is not a chat model of this config');
});
