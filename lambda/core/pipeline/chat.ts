import { RESPONSE_HEADERS } from '../../contract/headers';
import type { ModelCatalog } from '../config/catalog';
import type { CallerIdentity, GatewayRequest, GatewayResponse } from '../http/types';
import { parseChatCompletionRequest } from '../openai/request-schema';
import type { RemoteUrlGuard } from '../openai/remote-urls';
import { capOutput } from '../openai/output-cap';
import { estimateTokens } from '../openai/token-estimate';
import { toTokenUsage, type ChatCompletionRequest, type TokenUsage } from '../openai/types';
import { formatRouteHeader } from '../policy/router/router';
import type { BreakerStore } from '../resilience/breaker';
import { PrefetchedPermit } from '../resilience/failover';
import { costMicroUsd } from '../trace/cost';
import type { CallAccounting } from './accounting';
import type { CallScope } from './call-scope';
import type { Admission, CallFacts, ResolvedModel, TierRouter, TrafficPolicy } from './ports';
import { admitBody } from './request-body';
import { jsonResponse } from './responses';
import type { StreamPart } from './stream';
import type { Upstream } from './upstream';

const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/** What the chat part works with. */
export interface ChatPartDependencies {
  readonly catalog: ModelCatalog;
  readonly limits: Parameters<typeof admitBody>[1];
  readonly identify: (request: GatewayRequest) => CallerIdentity;
  readonly urls: RemoteUrlGuard;
  readonly router?: TierRouter;
  readonly policy: TrafficPolicy;
  readonly breaker: BreakerStore;
  readonly upstream: Upstream;
  readonly stream: StreamPart;
  readonly accounting: CallAccounting;
  /** The most output tokens a request may ask for (what budgets and limits reserve): `capOutput`. */
  readonly outputCap?: number;
}

/**
 * `POST /v1/chat/completions`: validate, pick the model (the router's tier, or the one named),
 * admit, answer from a cache or call the route's deployments, settle. Streams go to the stream part.
 */
export class ChatPart {
  constructor(private readonly deps: ChatPartDependencies) {}

  async handle(scope: CallScope): Promise<GatewayResponse> {
    const { identity, json } = admitBody(scope, this.deps.limits, this.deps.identify);
    const request = capOutput(parseChatCompletionRequest(json), this.deps.outputCap);
    await this.deps.urls.check(request);
    scope.trace.modelRequested = request.model;
    scope.trace.stream = request.stream === true;
    const model = this.chooseModel(scope, identity, request);
    const facts: CallFacts = {
      requestId: scope.requestId,
      identity,
      feature: scope.trace.feature,
      request,
      model,
      headers: scope.request.headers,
    };
    return this.serve(scope, facts);
  }

  /** The router's tier when the request names the router's model, else the model it names. */
  private chooseModel(scope: CallScope, identity: CallerIdentity, request: ChatCompletionRequest): ResolvedModel {
    const { router, catalog } = this.deps;
    const decision = router?.handles(request.model)
      ? router.decide({
          request,
          tenant: identity.tenant,
          feature: scope.trace.feature,
          estimatedTokens: estimateTokens(request, 0).input,
        })
      : undefined;
    const model = catalog.authorize(identity, decision?.model ?? request.model, 'chat');
    scope.trace.model = model.name;
    if (decision) scope.trace.routeDecision = scope.headers[RESPONSE_HEADERS.route] = formatRouteHeader(decision);
    return model;
  }

  private async serve(scope: CallScope, facts: CallFacts): Promise<GatewayResponse> {
    const { policy, breaker } = this.deps;
    // What the call needs from the shared store is asked for at once, one round trip with Redis's
    // auto-pipelining: the admission checks, the cache lookup and the first deployment's breaker.
    const route = policy.route(facts);
    const permit = new PrefetchedPermit(breaker, route.deployments[0]);
    const lookup = policy.lookup(facts);
    lookup.catch(() => undefined); // awaited once admitted; after a refusal nobody reads it
    let admission: Admission;
    try {
      admission = await policy.admit(facts);
    } catch (error) {
      await permit.discard();
      throw error;
    }
    try {
      scope.headers[RESPONSE_HEADERS.route] ??= route.reason;
      const cached = await lookup;
      if (cached) {
        await permit.discard();
        scope.headers[RESPONSE_HEADERS.cache] = 'hit';
        await admission.settle(ZERO_USAGE, 0);
        this.deps.accounting.finish(scope, 200, 'success');
        return facts.request.stream
          ? this.deps.stream.replay(cached, facts.request, scope)
          : jsonResponse(200, cached, scope.headers);
      }
      if (facts.request.stream) {
        return await this.deps.stream.start({
          scope,
          request: facts.request,
          deployments: route.deployments,
          permit,
          admission,
        });
      }
      return await this.complete(scope, facts, { deployments: route.deployments, permit, admission });
    } catch (error) {
      await Promise.all([admission.release().catch(() => undefined), permit.discard()]);
      throw error;
    }
  }

  private async complete(
    scope: CallScope,
    facts: CallFacts,
    call: { deployments: readonly string[]; permit: PrefetchedPermit; admission: Admission },
  ): Promise<GatewayResponse> {
    const { upstream, policy, accounting } = this.deps;
    const answered = await upstream.call(
      scope,
      call.deployments,
      (id, context) => upstream.provider(id).complete(facts.request, context),
      { prefetched: call.permit },
    );
    const usage = toTokenUsage(answered.value.usage) ?? ZERO_USAGE;
    const cost = costMicroUsd(answered.deployment.pricing, usage);
    await Promise.all([call.admission.settle(usage, cost), policy.store(facts, answered.value).catch(() => undefined)]);
    accounting.account(scope, answered, usage, cost);
    accounting.finish(scope, 200, 'success');
    return jsonResponse(200, answered.value, scope.headers);
  }
}
