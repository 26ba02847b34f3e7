import type { ChatCompletionRequest } from '../../openai/types';
import { cacheability, canonicalJson, exactCacheKey } from './exact-key';

const base: ChatCompletionRequest = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'What is our refund policy?' }],
  temperature: 0,
};

describe('exact-cache key', () => {
  test('stable: key order, null parameters, stream settings and user do not change it', () => {
    const key = exactCacheKey('t', 'chat', base);
    expect(exactCacheKey('t', 'chat', { temperature: 0, messages: base.messages, model: 'alias' })).toBe(key);
    expect(exactCacheKey('t', 'chat', { ...base, top_p: null, stop: null })).toBe(key);
    expect(
      exactCacheKey('t', 'chat', { ...base, stream: true, stream_options: { include_usage: true }, user: 'u-9' }),
    ).toBe(key);
    expect(exactCacheKey('t', 'chat', { ...base, max_tokens: 50 })).toBe(
      exactCacheKey('t', 'chat', { ...base, max_completion_tokens: 50 }),
    );
  });

  test.each<[string, Partial<ChatCompletionRequest>]>([
    ['temperature', { temperature: 0.5 }],
    ['top_p', { top_p: 0.5 }],
    ['n', { n: 2 }],
    ['stop', { stop: ['\n'] }],
    ['seed', { seed: 1 }],
    ['max_tokens', { max_tokens: 10 }],
    ['presence_penalty', { presence_penalty: 1 }],
    ['frequency_penalty', { frequency_penalty: 1 }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }],
    ['tool_choice', { tool_choice: 'required' }],
    ['parallel_tool_calls', { parallel_tool_calls: false }],
    ['messages', { messages: [{ role: 'user', content: 'What is our refund policy? ' }] }],
  ])('sensitive to %s', (_name, change) => {
    expect(exactCacheKey('t', 'chat', { ...base, ...change })).not.toBe(exactCacheKey('t', 'chat', base));
  });

  test('the tenant and the resolved model are part of the key', () => {
    const key = exactCacheKey('t', 'chat', base);
    expect(exactCacheKey('other', 'chat', base)).not.toBe(key);
    expect(exactCacheKey('t', 'other-model', base)).not.toBe(key);
    expect(key.startsWith('{t}:')).toBe(true);
  });

  test('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}',
    );
  });
});

describe('cacheability', () => {
  test('deterministic requests are looked up and stored', () => {
    expect(cacheability(base, undefined, false)).toEqual({ lookup: true, store: true });
  });
  test('Cache-Control: no-cache skips the lookup but stores; no-store does neither', () => {
    expect(cacheability(base, 'no-cache', false)).toEqual({ lookup: false, store: true });
    expect(cacheability(base, 'max-age=0, No-Store', false)).toEqual({ lookup: false, store: false });
  });
  test('sampled answers are not cached unless the model allows it', () => {
    expect(cacheability({ ...base, temperature: 0.7 }, undefined, false)).toEqual({ lookup: false, store: false });
    expect(cacheability({ ...base, temperature: undefined }, undefined, false)).toEqual({
      lookup: false,
      store: false,
    });
    expect(cacheability({ ...base, n: 3 }, undefined, false)).toEqual({ lookup: false, store: false });
    expect(cacheability({ ...base, temperature: 0.7 }, undefined, true)).toEqual({ lookup: true, store: true });
  });
});
