import { createHash } from 'node:crypto';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  EmbeddingRequest,
  EmbeddingResponse,
  ToolCall,
  Usage,
} from '../../core/openai/types';
import type { CallContext, ProviderClient } from '../../core/providers/provider';

/**
 * A deterministic model that runs in-process, so that the local server works offline and every
 * feature (streaming, tools, usage, embeddings) can be tried without a provider. It answers by
 * echoing the last user message; the same request always gets the same answer and usage.
 */
const EMBEDDING_DIMENSIONS = 256;

function text(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? (part as { text: string }).text : '')).join(' ');
}

/** About four characters per token, as for English text with common tokenizers. */
export function estimateTokens(value: string): number {
  return Math.max(1, Math.ceil(value.length / 4));
}

function answerOf(request: ChatCompletionRequest): { words: string[]; toolCall?: ToolCall; usage: Usage } {
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  const prompt = request.messages.map((m) => text(m.content)).join('\n');
  const limit = request.max_completion_tokens ?? request.max_tokens ?? 256;
  const choice = request.tool_choice;
  const forcedTool =
    request.tools?.length && choice && choice !== 'none' && choice !== 'auto'
      ? choice === 'required'
        ? request.tools[0].function.name
        : choice.function.name
      : undefined;
  const words = forcedTool ? [] : `You said: ${text(lastUser?.content)}`.split(/(?<=\s)/).slice(0, limit);
  const toolCall: ToolCall | undefined = forcedTool
    ? {
        id: `call_${createHash('sha256').update(prompt).digest('hex').slice(0, 24)}`,
        type: 'function',
        function: { name: forcedTool, arguments: JSON.stringify({ input: text(lastUser?.content) }) },
      }
    : undefined;
  const promptTokens = estimateTokens(prompt);
  const completionTokens = toolCall ? estimateTokens(toolCall.function.arguments) : words.length;
  return {
    words,
    toolCall,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

function idOf(context: CallContext): string {
  return `chatcmpl-builtin-${context.requestId}`;
}

/**
 * Feature hashing over the text's lowercased words: each word adds one to a coordinate chosen by its
 * hash, with a sign chosen by another bit of it, and the sum is normalised. Texts that share words
 * so point in similar directions (a search over the built-in model finds something meaningful),
 * while the result stays deterministic and unit-length. A text without words falls back to a
 * vector derived from its whole hash, so it still embeds to a unit vector of its own.
 */
export function builtinEmbedding(input: string, dimensions = EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const hash = createHash('sha256').update(word).digest();
    vector[hash.readUInt32BE(0) % dimensions] += hash[4] & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector);
  if (norm > 0) return vector.map((v) => v / norm);
  return wholeTextEmbedding(input, dimensions);
}

function wholeTextEmbedding(input: string, dimensions: number): number[] {
  const vector: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; vector.length < dimensions; i++) {
    if (block.length === 0) block = createHash('sha256').update(`${i}:${input}`).digest();
    vector.push(block.readInt8(0) / 128);
    block = block.subarray(1);
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}

export const builtinProvider: ProviderClient = {
  async complete(request, context): Promise<ChatCompletion> {
    const { words, toolCall, usage } = answerOf(request);
    return {
      id: idOf(context),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: context.deployment.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: toolCall ? null : words.join(''),
            ...(toolCall ? { tool_calls: [toolCall] } : {}),
          },
          finish_reason: toolCall ? 'tool_calls' : 'stop',
          logprobs: null,
        },
      ],
      usage,
    };
  },

  async *stream(request, context): AsyncGenerator<ChatCompletionChunk> {
    const { words, toolCall, usage } = answerOf(request);
    const base = {
      id: idOf(context),
      object: 'chat.completion.chunk' as const,
      created: Math.floor(Date.now() / 1000),
      model: context.deployment.model,
    };
    yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    if (toolCall) {
      yield {
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...toolCall }] }, finish_reason: null }],
      };
    }
    for (const word of words) {
      if (context.signal.aborted) return;
      yield { ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] };
    }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: toolCall ? 'tool_calls' : 'stop' }] };
    yield { ...base, choices: [], usage };
  },

  async embed(request: EmbeddingRequest, context): Promise<EmbeddingResponse> {
    const inputs = (Array.isArray(request.input) ? request.input : [request.input]).map((item) =>
      Array.isArray(item) || typeof item === 'number' ? JSON.stringify(item) : item,
    );
    const tokens = inputs.reduce((sum, input) => sum + estimateTokens(input), 0);
    return {
      object: 'list',
      data: inputs.map((input, index) => ({
        object: 'embedding',
        index,
        embedding: builtinEmbedding(input, request.dimensions ?? EMBEDDING_DIMENSIONS),
      })),
      model: context.deployment.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  },
};
