import type { HttpProviderSpec } from '../../core/providers/provider';
import { ANTHROPIC_VERSION, toAnthropicRequest } from './request';
import { fromAnthropicResponse } from './response';
import { AnthropicStreamTranslator } from './stream';

/** Anthropic's Messages API. */
export const anthropicProvider: HttpProviderSpec = {
  chatPath: 'messages',
  headers: (apiKey) => ({ 'anthropic-version': ANTHROPIC_VERSION, ...(apiKey ? { 'x-api-key': apiKey } : {}) }),
  toChatRequest: toAnthropicRequest,
  fromChatResponse: (body) => fromAnthropicResponse(body),
  streamTranslator: () => new AnthropicStreamTranslator(),
  errorMessage: (body) => (body as { error?: { message?: string } })?.error?.message,
};
