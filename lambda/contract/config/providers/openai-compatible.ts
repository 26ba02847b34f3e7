import { httpUrl, providerDeployment } from '../deployment';

/** Any server speaking OpenAI's API: vLLM, Triton's OpenAI frontend, the platform's own models. */
export const openAiCompatibleDeployment = providerDeployment('openai-compatible', {
  /** Where the server is, e.g. `http://vllm.serving.internal:8000/v1`. */
  baseUrl: httpUrl('openai-compatible'),
});
