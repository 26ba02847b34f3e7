import { hash } from 'node:crypto';
import type { ChatCompletionRequest } from '../../openai/types';

/**
 * Everything in a request that can change the answer. Left out on purpose: `stream` and
 * `stream_options` (a streamed request is answered from an answer stored unstreamed, and back), and
 * `user` (an end-user id for abuse tracking, not an input to the model).
 */
export const ANSWER_CHANGING_PARAMS = [
  'messages',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'temperature',
  'top_p',
  'n',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
] as const;

/**
 * JSON with object keys sorted at every depth, so key order never changes a key. Built in one
 * string, without the intermediate arrays of entries: it runs on every cacheable request.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/**
 * The exact-cache key: tenant, resolved model and every answer-changing parameter, canonicalised.
 * Text is not otherwise rewritten (whitespace and case can change an answer); `null` and absent
 * parameters are the same, and so are `max_tokens` and `max_completion_tokens`.
 */
export function exactCacheKey(tenant: string, model: string, request: ChatCompletionRequest): string {
  const params: Record<string, unknown> = {};
  for (const name of ANSWER_CHANGING_PARAMS) {
    const value = request[name];
    if (value !== undefined && value !== null) params[name] = value;
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) params.max_tokens = maxTokens;
  const digest = hash('sha256', canonicalJson({ model, params }), 'hex');
  return `{${tenant}}:${digest}`;
}

/**
 * May this request be answered from, and stored in, the cache? `Cache-Control: no-store` means
 * neither; `no-cache` means do not answer from the cache (but a fresh answer may be stored).
 * Sampled answers (temperature other than 0, or several choices) differ run to run, so they are
 * cached only where the model's settings allow it.
 */
export function cacheability(
  request: ChatCompletionRequest,
  cacheControl: string | undefined,
  allowNonDeterministic: boolean,
): { lookup: boolean; store: boolean } {
  const directives = (cacheControl ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.includes('no-store')) return { lookup: false, store: false };
  const deterministic = request.temperature === 0 && (request.n ?? 1) === 1;
  if (!deterministic && !allowNonDeterministic) return { lookup: false, store: false };
  return { lookup: !directives.includes('no-cache'), store: true };
}
