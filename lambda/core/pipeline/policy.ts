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

const ADMITTED: Admission = { settle: async () => undefined, release: async () => undefined };

/** Admit everything, route by the model's configured deployment order, cache nothing. */
export const PASS_THROUGH_POLICY: TrafficPolicy = {
  admit: async () => ADMITTED,
  route: (facts) => ({ deployments: facts.model.deployments.map((d) => d.id), reason: `model=${facts.model.name}` }),
  lookup: async () => undefined,
  store: async () => undefined,
};
