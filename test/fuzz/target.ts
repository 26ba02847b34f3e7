import * as path from 'node:path';
import { EnvCredentialSource } from '../../lambda/core/config/credentials';
import { parseGatewayConfig } from '../../lambda/core/config/load';
import type { Deployment } from '../../lambda/contract/config/gateway-config';
import { createGateway } from '../../lambda/runtime/create-gateway';
import type { GatewayRequest, GatewayResponse } from '../../lambda/core/http/types';
import type { ChatCompletionRequest } from '../../lambda/core/openai/types';
import type { CallContext, HttpProviderSpec, ProviderClient } from '../../lambda/core/providers/provider';
import { translateRequest } from '../../lambda/core/providers/upstream-error';
import { sha256Hex } from '../../lambda/core/pipeline/identity';
import { loadClassifierModel } from '../../lambda/core/policy/router/classifier';
import { MemoryTraceSink } from '../support/memory-sinks';
import { anthropicProvider } from '../../lambda/providers/anthropic';
import { toConverseInput } from '../../lambda/providers/bedrock/request';
import { fromConverseResponse } from '../../lambda/providers/bedrock/response';
import { ConverseStreamTranslator } from '../../lambda/providers/bedrock/stream';
import { openAiProvider } from '../../lambda/providers/openai';
import { openAiCompatibleProvider } from '../../lambda/providers/openai-compatible';

/**
 * The gateway as the fuzzers drive it: the whole core (size and depth limits, key check, JSON and
 * schema validation, the URL guard, router, kill switch, budgets, token limits, exact cache, breaker,
 * failover, cost, trace records) with in-process state, and one model per provider kind whose
 * client runs that provider's real request transform and real response or stream transform over a
 * canned upstream answer. No network: a run takes microseconds, so a fuzzer can send many.
 */
export const FUZZ_KEY = 'sk-fuzz';
export const MODELS = ['m-openai', 'm-anthropic', 'm-bedrock', 'm-compat', 'm-builtin', 'auto', 'embed'] as const;

const openAiAnswer = {
  id: 'chatcmpl-fuzz',
  object: 'chat.completion',
  created: 1,
  model: 'up',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};
const openAiEvents = [
  {
    data: JSON.stringify({
      ...openAiAnswer,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'o' }, finish_reason: null }],
      usage: undefined,
    }),
  },
  {
    data: JSON.stringify({
      ...openAiAnswer,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { content: 'k' }, finish_reason: 'stop' }],
      usage: undefined,
    }),
  },
  { data: JSON.stringify({ ...openAiAnswer, object: 'chat.completion.chunk', choices: [] }) },
  { data: '[DONE]' },
];
const anthropicAnswer = {
  id: 'msg_fuzz',
  type: 'message',
  role: 'assistant',
  model: 'up',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 3, output_tokens: 1 },
};
const anthropicEvents = [
  {
    event: 'message_start',
    data: JSON.stringify({
      type: 'message_start',
      message: { ...anthropicAnswer, content: [], usage: { input_tokens: 3, output_tokens: 0 } },
    }),
  },
  {
    event: 'content_block_start',
    data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  },
  {
    event: 'content_block_delta',
    data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } }),
  },
  { event: 'content_block_stop', data: JSON.stringify({ type: 'content_block_stop', index: 0 }) },
  {
    event: 'message_delta',
    data: JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }),
  },
  { event: 'message_stop', data: JSON.stringify({ type: 'message_stop' }) },
];

/** An HTTP provider's transforms in both directions, with the wire replaced by canned answers. */
function inProcess(
  spec: HttpProviderSpec,
  answer: unknown,
  events: Array<{ event?: string; data: string }>,
): ProviderClient {
  const translate = (request: ChatCompletionRequest, context: CallContext, stream: boolean) =>
    JSON.stringify(
      translateRequest(context.deploymentId, () => spec.toChatRequest(request, context.deployment, stream)),
    );
  return {
    async complete(request, context) {
      translate(request, context, false);
      return spec.fromChatResponse(JSON.parse(JSON.stringify(answer)), request);
    },
    async *stream(request, context) {
      translate(request, context, true);
      const translator = spec.streamTranslator(request);
      for (const event of events) {
        const { chunks, done } = translator.translate(event);
        yield* chunks;
        if (done) return;
      }
    },
    embed: spec.toEmbeddingsRequest
      ? async (request, context) => {
          JSON.stringify(
            translateRequest(context.deploymentId, () => spec.toEmbeddingsRequest!(request, context.deployment)),
          );
          const input = Array.isArray(request.input) ? request.input : [request.input];
          return {
            object: 'list',
            data: input.map((_, index) => ({ object: 'embedding' as const, index, embedding: [0.6, 0.8] })),
            model: 'up',
            usage: { prompt_tokens: 2, total_tokens: 2 },
          };
        }
      : undefined,
  };
}

const bedrock: ProviderClient = {
  async complete(request, context) {
    translateRequest(context.deploymentId, () => toConverseInput(request, context.deployment));
    return fromConverseResponse(
      {
        output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 },
        metrics: { latencyMs: 1 },
      },
      context.deployment.model,
      `chatcmpl-${context.requestId}`,
    );
  },
  async *stream(request, context) {
    translateRequest(context.deploymentId, () => toConverseInput(request, context.deployment));
    const translator = new ConverseStreamTranslator(`chatcmpl-${context.requestId}`, context.deployment.model);
    for (const event of [
      { messageStart: { role: 'assistant' as const } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'ok' } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: 'end_turn' as const } },
      { metadata: { usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 }, metrics: { latencyMs: 1 } } },
    ]) {
      const { chunks, done } = translator.translate(event);
      yield* chunks;
      if (done) return;
    }
  },
};

const deployment = (provider: Deployment['provider'], extra: object = {}) => ({
  provider,
  model: 'up',
  ...(provider === 'bedrock'
    ? { region: 'us-east-1' }
    : provider === 'builtin'
      ? {}
      : { baseUrl: 'http://127.0.0.1:9/v1' }),
  ...(provider === 'openai' || provider === 'anthropic' ? { credential: provider } : {}),
  pricing: { input: 150_000, output: 600_000 },
  ...extra,
});

export interface FuzzTarget {
  handle(request: Omit<GatewayRequest, 'signal'>): Promise<GatewayResponse>;
  readonly traces: MemoryTraceSink;
}

export function createFuzzTarget(): FuzzTarget {
  const traces = new MemoryTraceSink();
  const gateway = createGateway({
    config: parseGatewayConfig({
      models: {
        'm-openai': { deployments: ['openai'] },
        'm-anthropic': { deployments: ['anthropic'] },
        'm-bedrock': { deployments: ['bedrock', 'compat'] },
        'm-compat': { deployments: ['compat'] },
        'm-builtin': { deployments: ['builtin'], aliases: ['gpt-4o-mini'] },
        embed: { kind: 'embedding', deployments: ['openai-embed'] },
      },
      deployments: {
        openai: deployment('openai'),
        anthropic: deployment('anthropic'),
        bedrock: deployment('bedrock'),
        compat: deployment('openai-compatible'),
        builtin: deployment('builtin'),
        'openai-embed': deployment('openai'),
      },
      routing: {
        tiers: {
          small: { model: 'm-openai' },
          code: { model: 'm-anthropic' },
          reasoning: { model: 'm-bedrock' },
          local: { model: 'm-compat' },
        },
        rules: [
          { tier: 'local', when: { features: ['hr'] } },
          { tier: 'code', when: { pattern: '```' } },
        ],
        classifier: {},
        defaultTier: 'small',
      },
      tokenLimits: { tenant: { perMinute: 1_000_000_000, perDay: 1_000_000_000_000 } },
      budgets: { tenant: { monthlyMicroUsd: 1_000_000_000_000 } },
      exactCache: {},
      limits: { maxBodyBytes: 1024 * 1024 },
      apiKeys: [
        { sha256: sha256Hex(FUZZ_KEY), tenant: 'fuzz', user: 'u' },
        { sha256: sha256Hex('sk-fuzz-restricted'), tenant: 'other', models: ['m-builtin'] },
      ],
      credentialEnv: { openai: 'FUZZ_OPENAI', anthropic: 'FUZZ_ANTHROPIC' },
    }),
    credentials: new EnvCredentialSource(
      { openai: 'FUZZ_OPENAI', anthropic: 'FUZZ_ANTHROPIC' },
      { FUZZ_OPENAI: 'k', FUZZ_ANTHROPIC: 'k' },
    ),
    traces,
    routerModel: loadClassifierModel(path.join(__dirname, '../../data/router/model.json')),
    // Names under public.test resolve to a public address; every other name does not resolve.
    resolveHost: async (host) => {
      if (host.endsWith('.public.test')) return ['93.184.216.34'];
      throw new Error(`ENOTFOUND ${host}`);
    },
    providers: {
      openai: inProcess(openAiProvider, openAiAnswer, openAiEvents),
      anthropic: inProcess(anthropicProvider, anthropicAnswer, anthropicEvents),
      'openai-compatible': inProcess(openAiCompatibleProvider, openAiAnswer, openAiEvents),
      bedrock,
    },
  });
  return {
    traces,
    handle: (request) => gateway.handle({ ...request, signal: new AbortController().signal }),
  };
}

/**
 * What every answer must be: 200, or a 4xx whose body is an OpenAI error object. A stream's every
 * frame must be an SSE data frame of JSON (or the [DONE] marker). Returns the broken rule, if any.
 */
export async function violation(response: GatewayResponse): Promise<string | undefined> {
  if (response.status !== 200 && (response.status < 400 || response.status > 499)) {
    return `status ${response.status}: ${response.kind === 'buffered' ? response.body : '(stream)'}`;
  }
  if (response.kind === 'buffered') {
    let body: { error?: { message?: unknown; type?: unknown } };
    try {
      body = JSON.parse(response.body);
    } catch {
      return `a body that is not JSON: ${response.body.slice(0, 200)}`;
    }
    if (response.status !== 200 && (typeof body.error?.message !== 'string' || typeof body.error?.type !== 'string')) {
      return `a ${response.status} without an OpenAI error object: ${response.body.slice(0, 200)}`;
    }
    return undefined;
  }
  let frames = 0;
  for await (const frame of response.frames) {
    if (++frames > 10_000) return 'a stream that does not end';
    if (!frame.startsWith('data: ') || !frame.endsWith('\n\n')) return `a malformed frame: ${frame.slice(0, 200)}`;
    const data = frame.slice(6, -2);
    if (data === '[DONE]') continue;
    try {
      const parsed = JSON.parse(data) as { error?: unknown };
      if (parsed.error) return `an error in the stream: ${data.slice(0, 200)}`;
    } catch {
      return `a frame that is not JSON: ${data.slice(0, 200)}`;
    }
  }
  return undefined;
}
