import * as z from 'zod/mini';
import { anthropicDeployment } from './anthropic';
import { bedrockDeployment } from './bedrock';
import { builtinDeployment } from './builtin';
import { openAiDeployment } from './openai';
import { openAiCompatibleDeployment } from './openai-compatible';

/**
 * Every provider a deployment may name, each the leaf that owns its kind and its fields. Adding a
 * provider adds a leaf here and its implementation under `lambda/providers/` (ARCHITECTURE.md).
 */
export const PROVIDER_DEPLOYMENTS = [
  openAiDeployment,
  anthropicDeployment,
  bedrockDeployment,
  openAiCompatibleDeployment,
  builtinDeployment,
] as const;

export const deploymentSchema = z.discriminatedUnion('provider', PROVIDER_DEPLOYMENTS);

export type ProviderKind = z.output<typeof deploymentSchema>['provider'];
export const PROVIDER_KINDS = PROVIDER_DEPLOYMENTS.map(
  (leaf) => leaf.shape.provider._zod.def.values[0],
) as readonly ProviderKind[];

/** Fields some providers have, readable (as undefined) on any deployment. */
interface ProviderFields {
  readonly baseUrl?: string;
  readonly region?: string;
  /** `openai-compatible` only: a self-hosted server that scales to zero and wakes on demand. */
  readonly wakeOnDemand?: boolean;
}

/** A deployment as the gateway reads it: one provider's entry, with the fields any may have. */
export type Deployment = z.output<typeof deploymentSchema> & ProviderFields;
/** A deployment entry as a config file writes it. */
export type DeploymentInput = z.input<typeof deploymentSchema> & ProviderFields;
