import type { ChatCompletion } from '../../openai/types';
import type { CallFacts, AnswerCache } from '../../pipeline/ports';

/** Caches tried in order (exact before semantic); a fresh answer is stored in all of them. */
export function chainCaches(caches: readonly AnswerCache[]): AnswerCache {
  return {
    async lookup(facts: CallFacts): Promise<ChatCompletion | undefined> {
      for (const cache of caches) {
        const hit = await cache.lookup(facts);
        if (hit) return hit;
      }
      return undefined;
    },
    async store(facts: CallFacts, completion: ChatCompletion): Promise<void> {
      await Promise.all(caches.map((cache) => cache.store(facts, completion)));
    },
  };
}
