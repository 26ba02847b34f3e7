import { httpUrl, providerDeployment } from '../deployment';

/** Anthropic's Messages API (`https://api.anthropic.com`). */
export const anthropicDeployment = providerDeployment('anthropic', {
  /** Where the API is, e.g. `https://api.anthropic.com`. */
  baseUrl: httpUrl('anthropic'),
});
