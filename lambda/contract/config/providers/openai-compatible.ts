import * as z from 'zod/mini';
import { httpUrl, providerDeployment } from '../deployment';

/** Any server speaking OpenAI's API: vLLM, Triton's OpenAI frontend, the platform's own models. */
export const openAiCompatibleDeployment = providerDeployment('openai-compatible', {
  /** Where the server is, e.g. `http://vllm.serving.internal:8000/v1`. */
  baseUrl: httpUrl('openai-compatible'),
  /**
   * The server scales to zero replicas (a self-hosted workload whose ScaledObject reads the demand
   * signal, `lambda/contract/serving-demand.ts`): each time the gateway gives up on it (an attempt
   * failed, or its breaker refused the call), it records the want that wakes it. Needs the shared
   * Redis; without one nothing is recorded. List a hosted deployment after it, so that callers are
   * answered while it wakes.
   * @default false
   */
  wakeOnDemand: z.optional(z.boolean()),
});
