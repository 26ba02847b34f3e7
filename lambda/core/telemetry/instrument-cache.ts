import { toTokenUsage } from '../openai/types';
import type { CallFacts, AnswerCache } from '../pipeline/ports';
import { costMicroUsd } from '../trace/cost';
import type { MetricWriter } from './emf';
import { inSpan, type StepTracer } from './spans';

export type CacheKind = 'exact' | 'semantic';

/**
 * A span per lookup and per store, and the metrics only the cache sees: lookups, hits, and what a
 * hit saved at the first deployment's prices.
 */
export function instrumentCache(
  sinks: { readonly steps: StepTracer; readonly metrics: MetricWriter },
  kind: CacheKind,
  cache: AnswerCache,
): AnswerCache {
  const { steps, metrics } = sinks;
  return {
    lookup: (facts: CallFacts) =>
      inSpan(steps, `cache:${kind}`, async (span) => {
        const hit = await cache.lookup(facts);
        span.annotate('hit', hit !== undefined);
        const usage = hit ? toTokenUsage(hit.usage) : undefined;
        const first = facts.model.deployments[0]?.deployment;
        metrics.emit(
          'cache',
          { CacheKind: kind },
          {
            CacheLookups: 1,
            CacheHits: hit ? 1 : 0,
            CacheSavedMicroUsd: usage && first ? costMicroUsd(first.pricing, usage) : 0,
          },
        );
        return hit;
      }),
    store: (facts, completion) => inSpan(steps, `cache:${kind}:store`, () => cache.store(facts, completion)),
  };
}
