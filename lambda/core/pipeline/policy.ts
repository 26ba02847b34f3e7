import type { CallerIdentity } from '../http/types';
import type { ChatCompletion, ChatCompletionRequest, TokenUsage } from '../openai/types';
import type { ResolvedModel } from '../config/catalog';

/**
 * Where the traffic policy (kill switch, budgets, token limits, routing, caching) plugs into the
 * pipeline. Each slot has a default that lets traffic through unchanged; the policy libraries in
 * `lambda/core/policy/` implement them.
 */
export interface CallFacts {
  readonly requestId: string;
  readonly identity: CallerIdentity;
  readonly feature?: string;
  readonly request: ChatCompletionRequest;
  readonly model: ResolvedModel;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** What admission reserved; settled with the real usage after the call, or released on failure. */
export interface Admission {
  settle(usage: TokenUsage, costMicroUsd: number): Promise<void>;
  release(): Promise<void>;
}

export interface RouteDecision {
  /** Deployment ids in failover order. */
  readonly deployments: readonly string[];
  /** Why, for the `x-llm-route` header and the trace (no prompt text). */
  readonly reason: string;
}

export interface TrafficPolicy {
  /** Steps 3-4: kill switch, budget, token reservation. Throws a GatewayError (429, 403...) to refuse. */
  admit(facts: CallFacts): Promise<Admission>;
  /** Step 5: which deployments, in which order. */
  route(facts: CallFacts): RouteDecision;
  /** Step 6: a stored answer, if the route allows and one exists. */
  lookup(facts: CallFacts): Promise<ChatCompletion | undefined>;
  /** Step 8: store an answer for next time, if the route allows. */
  store(facts: CallFacts, completion: ChatCompletion): Promise<void>;
}

/** One admission check (kill switch, budget, token limit). Throws a GatewayError to refuse. */
export interface AdmissionControl {
  admit(facts: CallFacts): Promise<Admission>;
}

export interface CallRouter {
  route(facts: CallFacts): RouteDecision;
}

export interface ResponseCache {
  lookup(facts: CallFacts): Promise<ChatCompletion | undefined>;
  store(facts: CallFacts, completion: ChatCompletion): Promise<void>;
}

const ADMITTED: Admission = { settle: async () => undefined, release: async () => undefined };

/** Route by the model's configured deployment order. */
export const CONFIGURED_ORDER: CallRouter = {
  route: (facts) => ({ deployments: facts.model.deployments.map((d) => d.id), reason: `model=${facts.model.name}` }),
};

const NO_CACHE: ResponseCache = { lookup: async () => undefined, store: async () => undefined };

/**
 * Builds the pipeline's policy from its parts. Admission checks run in order; when one refuses, what
 * the earlier ones reserved is released, so a refused call holds nothing.
 */
export function composeTrafficPolicy(parts: {
  admission?: readonly AdmissionControl[];
  router?: CallRouter;
  cache?: ResponseCache;
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
