import type { Admission, AdmissionControl, CallRouter, AnswerCache, TrafficPolicy } from './ports';

/**
 * The traffic policy composed from its parts (the ports in `ports.ts`), and the pass-through
 * defaults the pipeline uses when a slot is empty.
 */
const ADMITTED: Admission = { settle: async () => undefined, release: async () => undefined };

/** Route by the model's configured deployment order. */
export const CONFIGURED_ORDER: CallRouter = {
  route: (facts) => ({ deployments: facts.model.deployments.map((d) => d.id), reason: `model=${facts.model.name}` }),
};

const NO_CACHE: AnswerCache = { lookup: async () => undefined, store: async () => undefined };

/**
 * Builds the pipeline's policy from its parts. Admission checks run in order; when one refuses, what
 * the earlier ones reserved is released, so a refused call holds nothing.
 */
export function composeTrafficPolicy(parts: {
  admission?: readonly AdmissionControl[];
  router?: CallRouter;
  cache?: AnswerCache;
}): TrafficPolicy {
  const checks = parts.admission ?? [];
  const router = parts.router ?? CONFIGURED_ORDER;
  const cache = parts.cache ?? NO_CACHE;
  return {
    async admit(facts) {
      const admitted: Admission[] = [];
      try {
        for (const check of checks) admitted.push(await check.admit(facts));
      } catch (error) {
        await Promise.allSettled(admitted.map((a) => a.release()));
        throw error;
      }
      if (admitted.length === 0) return ADMITTED;
      return {
        settle: async (usage, cost) => {
          await Promise.all(admitted.map((a) => a.settle(usage, cost)));
        },
        release: async () => {
          await Promise.all(admitted.map((a) => a.release()));
        },
      };
    },
    route: (facts) => router.route(facts),
    lookup: (facts) => cache.lookup(facts),
    store: (facts, completion) => cache.store(facts, completion),
  };
}

/** Admit everything, route by the model's configured deployment order, cache nothing. */
export const PASS_THROUGH_POLICY: TrafficPolicy = composeTrafficPolicy({});
