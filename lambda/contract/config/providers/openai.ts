import { httpUrl, providerDeployment } from '../deployment';

/** OpenAI's API (`https://api.openai.com/v1`), or a proxy of it. */
export const openAiDeployment = providerDeployment('openai', {
  /** Where the API is, e.g. `https://api.openai.com/v1`. */
  baseUrl: httpUrl('openai'),
});
