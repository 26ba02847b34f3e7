import type { ConverseResponse, TokenUsage as BedrockUsage } from '@aws-sdk/client-bedrock-runtime';
import { assistantCompletion } from '../../core/openai/builders';
import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../core/openai/types';

export function finishReasonOf(stopReason: string | undefined): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Bedrock's inputTokens excludes cache reads and writes; OpenAI's prompt_tokens is all input. */
export function toOpenAiUsage(usage: BedrockUsage | undefined): Usage {
  const cacheRead = usage?.cacheReadInputTokens ?? 0;
  const prompt = (usage?.inputTokens ?? 0) + cacheRead + (usage?.cacheWriteInputTokens ?? 0);
  const completion = usage?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

export function fromConverseResponse(response: ConverseResponse, model: string, id: string): ChatCompletion {
  const content = response.output?.message?.content;
  if (!content) throw new Error('the Converse response has no message');
  const text = content.filter((block) => block.text !== undefined).map((block) => block.text);
  const toolCalls: ToolCall[] = content
    .filter((block) => block.toolUse)
    .map((block) => ({
      id: block.toolUse!.toolUseId!,
      type: 'function',
      function: { name: block.toolUse!.name!, arguments: JSON.stringify(block.toolUse!.input ?? {}) },
    }));
  return assistantCompletion({
    id,
    model,
    texts: text as string[],
    toolCalls,
    finishReason: finishReasonOf(response.stopReason),
    usage: toOpenAiUsage(response.usage),
  });
}
