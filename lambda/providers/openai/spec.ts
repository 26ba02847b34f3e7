import type { Deployment } from '../../contract/config/gateway-config';
import type { HttpProviderSpec, StreamTranslator } from '../../core/providers/provider';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from '../../core/openai/types';

/**
 * Request fields forwarded upstream unchanged. Anything else a client sends stays at the gateway:
 * the parameter map, not the client, decides what reaches the provider.
 */
export const OPENAI_FORWARDED_PARAMS = [
  'messages',
  'temperature',
  'top_p',
  'n',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
] as const;

export interface OpenAiDialect {
  /** OpenAI prefers `max_completion_tokens`; many OpenAI-compatible servers only know `max_tokens`. */
  readonly maxTokensParam: 'max_completion_tokens' | 'max_tokens';
}

export function toOpenAiChatRequest(
  request: ChatCompletionRequest,
  deployment: Deployment,
  stream: boolean,
  dialect: OpenAiDialect,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model: deployment.model };
  for (const key of OPENAI_FORWARDED_PARAMS) {
    const value = request[key];
    if (value !== undefined && value !== null) body[key] = value;
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) body[dialect.maxTokensParam] = maxTokens;
  if (stream) {
    body.stream = true;
    // Always ask for usage: streamed calls are accounted like any other. The pipeline drops the
    // usage chunk when the client did not ask for it.
    body.stream_options = { include_usage: true };
  }
  return body;
}

function assertCompletion(body: unknown): ChatCompletion {
  const completion = body as ChatCompletion;
  if (!completion || !Array.isArray(completion.choices)) throw new Error('not a chat.completion');
  return { ...completion, object: 'chat.completion' };
}

class OpenAiStreamTranslator implements StreamTranslator {
  translate(event: { data: string }): { chunks: ChatCompletionChunk[]; done?: boolean } {
    if (event.data === '[DONE]') return { chunks: [], done: true };
    const chunk = JSON.parse(event.data) as ChatCompletionChunk & { error?: unknown };
    if (chunk.error) throw new Error('the provider reported an error inside the stream');
    if (!Array.isArray(chunk.choices)) throw new Error('not a chat.completion.chunk');
    return { chunks: [chunk] };
  }
}

export function openAiSpec(dialect: OpenAiDialect): HttpProviderSpec {
  return {
    chatPath: 'chat/completions',
    embeddingsPath: 'embeddings',
    headers: (apiKey): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    toChatRequest: (request, deployment, stream) => toOpenAiChatRequest(request, deployment, stream, dialect),
    fromChatResponse: (body) => assertCompletion(body),
    streamTranslator: () => new OpenAiStreamTranslator(),
    toEmbeddingsRequest: (request: EmbeddingRequest, deployment: Deployment) => ({
      model: deployment.model,
      input: request.input,
      ...(request.encoding_format ? { encoding_format: request.encoding_format } : {}),
      ...(request.dimensions ? { dimensions: request.dimensions } : {}),
    }),
    fromEmbeddingsResponse: (body) => {
      const response = body as EmbeddingResponse;
      if (!response || !Array.isArray(response.data)) throw new Error('not an embeddings list');
      return response;
    },
    errorMessage: (body) => (body as { error?: { message?: string } })?.error?.message,
  };
}

/** OpenAI itself. */
export const openAiProvider = openAiSpec({ maxTokensParam: 'max_completion_tokens' });
