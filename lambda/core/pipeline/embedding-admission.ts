import type { ChatCompletionRequest, EmbeddingRequest } from '../openai/types';

/**
 * The admission checks (kill switch, budgets, token limits) estimate a call from a chat request.
 * An embedding call is admitted as what it costs: a prompt of its inputs and no output. Token-id
 * inputs count as four characters a token, the estimators' own ratio.
 */
export function embeddingAdmissionRequest(request: EmbeddingRequest): ChatCompletionRequest {
  const inputs: ReadonlyArray<string | number | number[]> = Array.isArray(request.input)
    ? request.input
    : [request.input];
  let tokenIds = 0;
  const texts: string[] = [];
  for (const input of inputs) {
    if (typeof input === 'string') texts.push(input);
    else tokenIds += Array.isArray(input) ? input.length : 1;
  }
  return {
    model: request.model,
    messages: [{ role: 'user', content: texts.join('\n') + 'x'.repeat(4 * tokenIds) }],
    max_tokens: 0,
  };
}
