import type { ChatCompletionRequest } from './types';

/**
 * Tokens a request may consume before it runs: its prompt (about four characters a token, rounded
 * up) plus the most it may generate. Reserved up front, settled with the provider's count after.
 */
export function estimateTokens(
  request: ChatCompletionRequest,
  defaultMaxOutput: number,
): { input: number; maxOutput: number } {
  let chars = 0;
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) chars += JSON.stringify(content).length;
    if (message.tool_calls) chars += JSON.stringify(message.tool_calls).length;
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  const maxOutput = (request.max_completion_tokens ?? request.max_tokens ?? defaultMaxOutput) * (request.n ?? 1);
  return { input: Math.ceil(chars / 4) + 4 * request.messages.length, maxOutput };
}
