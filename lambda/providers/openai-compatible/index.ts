import { openAiSpec } from '../openai/spec';

/**
 * Any server that speaks OpenAI's API: vLLM's OpenAI server, NVIDIA Triton's OpenAI frontend, the
 * platform's own self-hosted models. Same wire format; `max_tokens` is the widely supported name.
 */
export const openAiCompatibleProvider = openAiSpec({ maxTokensParam: 'max_tokens' });
