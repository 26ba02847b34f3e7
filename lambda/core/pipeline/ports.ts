import type { Deployment, ModelEntry } from '../../contract/config/gateway-config';
import type { CallerIdentity } from '../http/types';
import type { ChatCompletion, ChatCompletionRequest, TokenUsage } from '../openai/types';

/**
 * The pipeline's ports: what the gateway needs of each part it is composed from (admission,
 * routing, caching, authentication, the prompt router), in one place. The parts under `policy/`
 * implement them; `pipeline/gateway.ts` calls them; nothing here imports an implementation.
 */

export interface ResolvedModel {
  /** The model's canonical public name. */
  readonly name: string;
  readonly entry: ModelEntry;
  /** Deployments in failover order, with their ids. */
  readonly deployments: ReadonlyArray<{ readonly id: string; readonly deployment: Deployment }>;
}

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

/**
 * A cache slot of the pipeline: answers a call from a stored completion, and stores the
 * completion a provider gave. (Not the `ResponseCache` construct, the ElastiCache cluster an
 * exact cache may keep its entries in.)
 */
export interface AnswerCache {
  lookup(facts: CallFacts): Promise<ChatCompletion | undefined>;
  store(facts: CallFacts, completion: ChatCompletion): Promise<void>;
}

export interface RouteInput {
  readonly request: Pick<ChatCompletionRequest, 'model' | 'messages' | 'tools'>;
  readonly tenant: string;
  readonly feature?: string;
  readonly estimatedTokens: number;
}

export interface TierDecision {
  readonly tier: string;
  /** The public model the tier sends to. */
  readonly model: string;
  readonly reason: 'explicit' | 'rule' | 'classifier' | 'default';
  /** Which rule (its index), when a rule decided. */
  readonly rule?: number;
  readonly confidence?: number;
}

/** The gateway's key check, as the pipeline calls it. */
export interface Authenticator {
  authenticate(authorization: string | undefined): CallerIdentity;
}

/** The prompt router, as the pipeline calls it. */
export interface TierRouter {
  handles(requestedModel: string): boolean;
  decide(input: RouteInput): TierDecision;
}
