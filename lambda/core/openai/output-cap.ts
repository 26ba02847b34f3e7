import { GatewayError } from '../http/errors';
import type { ChatCompletionRequest } from './types';

/**
 * The most output a request may ask for. Budgets and token limits reserve a call's worst case up
 * front; that is only a bound if the provider is held to it, so a request that names no limit is
 * sent with the cap, and one that asks for more than the cap is refused with the limit named.
 */
export function capOutput(request: ChatCompletionRequest, cap: number | undefined): ChatCompletionRequest {
  if (cap === undefined) return request;
  const field = request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
  const asked = request[field];
  if (asked == null) return { ...request, max_completion_tokens: cap };
  if (asked > cap) {
    throw GatewayError.badRequest(
      `'${field}' is ${asked}; this gateway allows at most ${cap} output tokens per request. ` +
        `Ask for at most ${cap}, or leave it out to get up to ${cap}.`,
      field,
      'max_tokens_too_large',
    );
  }
  return request;
}
