import type * as z from 'zod/mini';
import type { DeploymentInput, modelSchema } from '../../lambda/contract/config/gateway-config';

/** A deployment entry of the gateway's model config (`deployments.<id>`), as the config file takes it. */
export type GatewayDeployment = DeploymentInput;
/** A model entry of the gateway's model config (`models.<name>`). */
export type GatewayModelEntry = z.input<typeof modelSchema>;

/**
 * How the gateway reaches one self-hosted model: the OpenAI-compatible API of vLLM or of Triton's
 * OpenAI frontend, at its load balancer's private name. A queued request may wait for a replica to
 * free up, so the first byte gets longer than a hosted provider's default. A workload that scales
 * to zero is marked `wakeOnDemand`: the gateway records demand for it whenever it gives up on it.
 */
export function gatewayDeploymentOf(
  model: string,
  host: string,
  port: number,
  scalesToZero = false,
): GatewayDeployment {
  return {
    provider: 'openai-compatible',
    model,
    baseUrl: `http://${host}:${port}/v1`,
    ...(scalesToZero ? { wakeOnDemand: true } : {}),
    timeouts: { firstByteMs: 30_000, totalMs: 300_000 },
    pricing: { input: 0, output: 0 },
  };
}
