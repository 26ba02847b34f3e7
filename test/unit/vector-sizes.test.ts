import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import { vectorSizesOf } from '../../lib/vector-sizes';

/** The vector store's sizes come from the embedding models the environment's gateway config names. */
const deployment = {
  provider: 'openai' as const,
  model: 'm',
  baseUrl: 'https://x/v1',
  pricing: { input: 1, output: 0 },
};
const config = (models: GatewayConfigInput['models'], semanticCache?: GatewayConfigInput['semanticCache']) =>
  ({ models, deployments: { d: deployment }, semanticCache }) as GatewayConfigInput;

test('every embedding model gets its index; the semantic cache is made for its own model', () => {
  const models = {
    chat: { deployments: ['d'] },
    small: { kind: 'embedding' as const, deployments: ['d'], dimensions: 1536 },
    large: { kind: 'embedding' as const, deployments: ['d'], dimensions: 3072, aliases: ['big'] },
  };
  expect(vectorSizesOf(config(models, { embeddingModel: 'small' }))).toEqual({
    dimensions: 1536,
    embeddingDimensions: [1536, 3072],
  });
  // By alias too.
  expect(vectorSizesOf(config(models, { embeddingModel: 'big' })).dimensions).toBe(3072);
});

test('without a semantic cache model: the built-in embedder (256), or the environment own size', () => {
  const models = { chat: { deployments: ['d'] } };
  expect(vectorSizesOf(config(models, {}))).toEqual({ dimensions: 256, embeddingDimensions: [256] });
  expect(vectorSizesOf(config(models, {}), 384)).toEqual({ dimensions: 384, embeddingDimensions: [384] });
});

test('an embedding model without dimensions, or a size that contradicts the model, is a synth error naming both', () => {
  expect(() => vectorSizesOf(config({ e: { kind: 'embedding', deployments: ['d'] } }))).toThrow(
    /gateway model "e" is an embedding model without dimensions.*set models\.e\.dimensions/,
  );
  const models = { e: { kind: 'embedding' as const, deployments: ['d'], dimensions: 1536 } };
  expect(() => vectorSizesOf(config(models, { embeddingModel: 'e' }), 256)).toThrow(
    /vectorStore\.dimensions is 256, but the semantic cache embeds with "e" \(1536 dimensions\)/,
  );
});
