import type { GatewayConfigInput } from '../lambda/contract/config/gateway-config';

/** The vector sizes an environment's vector store is made for. */
export interface VectorSizes {
  /** The semantic cache's table: its embedding model's size. */
  readonly dimensions: number;
  /** Every embedding model's size, each with its index for collections. */
  readonly embeddingDimensions: readonly number[];
}

/** The built-in hashing embedder's size: the semantic cache's when no embedding model is named. */
const BUILT_IN_DIMENSIONS = 256;

/**
 * Derives the vector store's sizes from the gateway config the environment deploys, so that no
 * configured embedding model is left without an index and the semantic cache's table fits its
 * model. `configured` is the environment's own `vectorStore.dimensions`, if it gives one.
 */
export function vectorSizesOf(gateway: GatewayConfigInput, configured?: number): VectorSizes {
  const sizes = new Map<string, number>();
  for (const [name, model] of Object.entries(gateway.models)) {
    if (model.kind !== 'embedding') continue;
    if (model.dimensions === undefined) {
      throw new Error(
        `gateway model "${name}" is an embedding model without dimensions: the vector store indexes the size of ` +
          `every embedding model; set models.${name}.dimensions to the length of the vectors it returns`,
      );
    }
    sizes.set(name, model.dimensions);
    for (const alias of model.aliases ?? []) sizes.set(alias, model.dimensions);
  }
  const cacheModel = gateway.semanticCache?.embeddingModel;
  const cacheSize = cacheModel === undefined ? (configured ?? BUILT_IN_DIMENSIONS) : sizes.get(cacheModel);
  if (cacheSize === undefined) {
    throw new Error(
      `semanticCache.embeddingModel is "${cacheModel}", which is not an embedding model of the gateway config`,
    );
  }
  if (configured !== undefined && configured !== cacheSize) {
    throw new Error(
      `vectorStore.dimensions is ${configured}, but the semantic cache embeds with "${cacheModel}" ` +
        `(${cacheSize} dimensions): remove vectorStore.dimensions, or give both the same size`,
    );
  }
  const embeddingDimensions = [...new Set(sizes.values())].sort((a, b) => a - b);
  return {
    dimensions: cacheSize,
    embeddingDimensions: embeddingDimensions.length > 0 ? embeddingDimensions : [cacheSize],
  };
}
