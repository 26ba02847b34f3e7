import type { ChatCompletion, ChatCompletionChunk } from './types';

/**
 * The chunks an OpenAI stream would have carried for a complete answer: a role chunk, the content,
 * the tool calls, the finish reason and, when asked, the usage. Used to serve a stored answer to a
 * client that asked for a stream.
 */
export function completionToChunks(completion: ChatCompletion, includeUsage: boolean): ChatCompletionChunk[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
  };
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { index, message } = choice;
    chunks.push({ ...base, choices: [{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    if (message.content)
      chunks.push({ ...base, choices: [{ index, delta: { content: message.content }, finish_reason: null }] });
    message.tool_calls?.forEach((call, callIndex) =>
      chunks.push({
        ...base,
        choices: [{ index, delta: { tool_calls: [{ index: callIndex, ...call }] }, finish_reason: null }],
      }),
    );
    chunks.push({ ...base, choices: [{ index, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }] });
  }
  if (includeUsage && completion.usage) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}
