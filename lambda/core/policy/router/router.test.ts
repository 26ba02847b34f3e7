import * as path from 'node:path';
import { TierClassifier, loadClassifierModel } from './classifier';
import { readLabelledJsonl } from './dataset';
import { PromptRouter, formatRouteHeader } from './router';
import { type RouteInput } from '../../pipeline/ports';
import { routingSchema } from '../../../contract/config/routing';

const DATA = path.join(__dirname, '../../../../data/router');
const shipped = loadClassifierModel(path.join(DATA, 'model.json'));

const config = routingSchema.parse({
  tiers: {
    small: { model: 'gpt-4o-mini' },
    code: { model: 'code-model' },
    reasoning: { model: 'claude-opus' },
    local: { model: 'local-llama' },
  },
  rules: [
    { tier: 'local', when: { features: ['hr-assistant'] } },
    { tier: 'reasoning', when: { minTokens: 20_000 } },
    { tier: 'code', when: { hasTools: true, tenants: ['dev-team'] } },
    { tier: 'small', when: { pattern: '^(hi|hello|thanks)\\b' } },
    { tier: 'reasoning', when: { hasImages: true } },
  ],
  classifier: {},
  defaultTier: 'small',
});
const router = new PromptRouter(config, shipped);

const input = (content: unknown, extra: Partial<RouteInput> = {}): RouteInput => ({
  request: { model: 'auto', messages: [{ role: 'user', content: content as string }] },
  tenant: 'acme',
  estimatedTokens: 100,
  ...extra,
});

describe('rules, in order, before the classifier', () => {
  test('the router handles only its own model name; an explicit model is not its business', () => {
    expect(router.handles('auto')).toBe(true);
    expect(router.handles('gpt-4o-mini')).toBe(false);
  });

  test('feature tag', () => {
    expect(router.decide(input('Write a Python function', { feature: 'hr-assistant' }))).toMatchObject({
      tier: 'local',
      model: 'local-llama',
      reason: 'rule',
      rule: 0,
    });
  });

  test('token estimate', () => {
    expect(router.decide(input('hello', { estimatedTokens: 30_000 }))).toMatchObject({ tier: 'reasoning', rule: 1 });
  });

  test('tenant and tools together', () => {
    const withTools = {
      request: {
        model: 'auto',
        messages: [{ role: 'user' as const, content: 'go' }],
        tools: [{ type: 'function' as const, function: { name: 'f' } }],
      },
    };
    expect(router.decide(input('', { ...withTools, tenant: 'dev-team' }))).toMatchObject({ tier: 'code', rule: 2 });
    expect(router.decide(input('', { ...withTools, tenant: 'other' })).rule).not.toBe(2);
  });

  test('pattern in the last user message, case-insensitive', () => {
    expect(router.decide(input('Hello there!'))).toMatchObject({ tier: 'small', rule: 3 });
  });

  test('images', () => {
    expect(
      router.decide(
        input([
          { type: 'text', text: 'what is this' },
          { type: 'image_url', image_url: { url: 'data:,' } },
        ]),
      ),
    ).toMatchObject({
      tier: 'reasoning',
      rule: 4,
    });
  });

  test('then the classifier', () => {
    expect(router.decide(input('Write a Go function that parses a CSV file and add unit tests.'))).toMatchObject({
      tier: 'code',
      reason: 'classifier',
    });
  });

  test('and the default tier when the classifier abstains (top probability under minConfidence)', () => {
    const strict = new PromptRouter({ ...config, classifier: { misroutePenalty: 4, minConfidence: 1 } }, shipped);
    expect(strict.decide(input('qwerty'))).toMatchObject({ tier: 'small', reason: 'default' });
  });
});

describe('the classifier decides by expected cost', () => {
  const classifier = new TierClassifier(shipped);
  const tierOf = (penalty: number, costs?: Record<string, Record<string, number>>) => (text: string) =>
    new PromptRouter(
      { ...config, rules: [], classifier: { misroutePenalty: penalty, minConfidence: 0, costs } },
      shipped,
    ).decide(input(text)).tier;
  // A prompt the model is unsure about, between small and a larger tier.
  const doubtful = readLabelledJsonl(path.join(DATA, 'split/tune.jsonl'))
    .map((e) => ({ text: e.text, p: classifier.probabilities(e.text) }))
    .find(({ p }) => {
      const small = p[shipped.tiers.indexOf('small')];
      return small > 0.5 && small < 0.7;
    })!;

  test('with no penalty the most likely tier wins; a high penalty sends a doubtful prompt up from small', () => {
    expect(tierOf(1)(doubtful.text)).toBe('small');
    expect(tierOf(50)(doubtful.text)).not.toBe('small');
  });

  test('a cost matrix cell in the config overrides the default', () => {
    const free = Object.fromEntries(shipped.tiers.map((t) => [t, { small: 0 }]));
    expect(tierOf(50, free)(doubtful.text)).toBe('small');
  });

  test("the decision carries the chosen tier's calibrated probability", () => {
    const decision = router.decide(input('Write a Go function that parses a CSV file and add unit tests.'));
    const p = classifier.probabilities('Write a Go function that parses a CSV file and add unit tests.');
    expect(decision.confidence).toBeCloseTo(p[shipped.tiers.indexOf('code')], 10);
  });
});

describe('routing config', () => {
  test('unknown tiers and bad patterns are named', () => {
    const result = routingSchema.safeParse({
      tiers: { small: { model: 'm' } },
      rules: [{ tier: 'huge', when: { pattern: '(' } }],
      defaultTier: 'tiny',
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([
      'defaultTier: "tiny" is not a tier; tiers: small',
      'rules.0.tier: "huge" is not a tier; tiers: small',
      'rules.0.when.pattern: is not a valid regular expression',
    ]);
  });

  test('cost matrix cells must name tiers', () => {
    const result = routingSchema.safeParse({
      tiers: { small: { model: 'm' } },
      classifier: { costs: { small: { huge: 3 } } },
      defaultTier: 'small',
    });
    expect(result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'classifier.costs.small.huge: "huge" is not a tier; tiers: small',
    ]);
  });

  test('a classifier predicting tiers the config lacks is refused', () => {
    expect(() => new PromptRouter({ ...config, tiers: { small: { model: 'm' } } }, shipped)).toThrow(
      'the classifier predicts tiers the routing config lacks: code, local, reasoning',
    );
  });
});

describe('the classifier', () => {
  test('probabilities sum to 1, whatever the text', () => {
    const classifier = new TierClassifier(shipped);
    for (const text of ['What are your support hours?', '', '   ', '💥'.repeat(5000), 'a'.repeat(20_000)]) {
      const p = classifier.probabilities(text);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      for (const x of p) expect(x).toBeGreaterThanOrEqual(0);
    }
  });

  test('on the old held-out prompts (data/router/eval.jsonl) it stays above 85%', () => {
    const held = readLabelledJsonl(path.join(DATA, 'eval.jsonl'));
    const correct = held.filter((e) => router.decide(input(e.text)).tier === e.tier).length;
    expect(correct / held.length).toBeGreaterThan(0.85);
  });
});

test('the route header carries the decision, never prompt text, and only header-safe characters', () => {
  const decision = router.decide(input('Hello, my card number is 4111 1111 1111 1111'));
  const header = formatRouteHeader(decision);
  expect(header).toBe('tier=small; model=gpt-4o-mini; reason=rule; rule=3');
  expect(formatRouteHeader({ tier: 'we ird\r\n', model: 'm', reason: 'classifier', confidence: 0.8765 })).toBe(
    'tier=we_ird__; model=m; reason=classifier; confidence=0.88',
  );
});
