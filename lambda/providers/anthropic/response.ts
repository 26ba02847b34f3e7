import { assistantCompletion } from '../../core/openai/builders';
import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../core/openai/types';

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

interface AnthropicMessageResponse {
  id: string;
  model: string;
  content: Array<{ type: string; text?: string; id?: string; name?: string; input?: unknown }>;
  stop_reason: string | null;
  usage: AnthropicUsage;
}

export function finishReasonOf(stopReason: string | null | undefined): FinishReason | null {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return stopReason ? 'stop' : null;
  }
}

/**
 * Anthropic reports cached, newly cached and uncached input separately; OpenAI's prompt_tokens is
 * all input, with the cache reads as `cached_tokens`.
 */
export function toOpenAiUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cacheRead + (usage.cache_creation_input_tokens ?? 0);
  const completion = usage.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

export function fromAnthropicResponse(body: unknown): ChatCompletion {
  const message = body as AnthropicMessageResponse;
  if (!message || !Array.isArray(message.content) || !message.usage) throw new Error('not an Anthropic message');
  const text = message.content.filter((block) => block.type === 'text').map((block) => block.text ?? '');
  const toolCalls: ToolCall[] = message.content
    .filter((block) => block.type === 'tool_use')
    .map((block) => ({
      id: block.id!,
      type: 'function',
      function: { name: block.name!, arguments: JSON.stringify(block.input ?? {}) },
    }));
  return assistantCompletion({
    id: message.id,
    model: message.model,
    texts: text,
    toolCalls,
    finishReason: finishReasonOf(message.stop_reason),
    usage: toOpenAiUsage(message.usage),
  });
}
