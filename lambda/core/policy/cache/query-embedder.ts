import type { CallerIdentity } from '../../http/types';
import type { CallFacts } from '../../pipeline/ports';
import type { Embedder } from './embedder';

/** Embeds one call's prompt for the semantic cache, as that call's caller. */
export interface QueryEmbedder {
  embed(prompt: string, facts: CallFacts, signal: AbortSignal): Promise<number[]>;
}

/** The built-in offline embedder: no caller, no cost, no network. */
export function offlineQueryEmbedder(embedder: Embedder): QueryEmbedder {
  return { embed: async (prompt) => (await embedder.embed([prompt]))[0] };
}

/** Embeds inputs with a model of the gateway's catalog, as the caller (the gateway's own embeddings path). */
export type EmbedAs = (
  identity: CallerIdentity,
  model: string,
  inputs: readonly string[],
  signal: AbortSignal,
) => Promise<number[][]>;

/**
 * A configured embedding model: each prompt is embedded through the gateway as the call's own
 * caller, so the embedding has the model's timeouts, failover and breaker, meets the caller's
 * limits and budget, and its cost is counted to the tenant. A vector of another length than the
 * model's configured `dimensions` is refused: stored, it would fail every later insert or match.
 */
export class ModelQueryEmbedder implements QueryEmbedder {
  constructor(
    private readonly embedAs: EmbedAs,
    private readonly model: string,
    private readonly dimensions: number,
  ) {}

  async embed(prompt: string, facts: CallFacts, signal: AbortSignal): Promise<number[]> {
    // The platform embeds for its own cache: a key limited to some chat models still gets it (its
    // tenant, user and limits stay the caller's, and so does the cost).
    const { allowedModels: _, ...caller } = facts.identity;
    const [vector] = await this.embedAs(caller, this.model, [prompt], signal);
    if (vector.length !== this.dimensions) {
      throw new Error(
        `the embedding model "${this.model}" returned ${vector.length} dimensions; its config says ${this.dimensions}`,
      );
    }
    return vector;
  }
}
