import type { ModelCatalog } from '../config/catalog';
import type { CallerIdentity, GatewayRequest, GatewayResponse } from '../http/types';
import { parseEmbeddingRequest } from '../openai/request-schema';
import type { EmbeddingResponse, TokenUsage } from '../openai/types';
import { costMicroUsd } from '../trace/cost';
import type { CallAccounting } from './accounting';
import type { CallScope } from './call-scope';
import { embeddingAdmissionRequest } from './embedding-admission';
import type { TrafficPolicy } from './ports';
import { admitBody } from './request-body';
import { jsonResponse } from './responses';
import type { Answered, Upstream } from './upstream';

/** What the embeddings part works with. */
export interface EmbeddingsPartDependencies {
  readonly catalog: ModelCatalog;
  readonly limits: Parameters<typeof admitBody>[1];
  readonly identify: (request: GatewayRequest) => CallerIdentity;
  readonly policy: TrafficPolicy;
  readonly upstream: Upstream;
  readonly accounting: CallAccounting;
}

/**
 * `POST /v1/embeddings`: the same admission as a chat call (kill switch, budgets, token limits:
 * embedding a corpus spends too), then the model's deployments with failover, settled with the
 * provider's count.
 */
export class EmbeddingsPart {
  constructor(private readonly deps: EmbeddingsPartDependencies) {}

  async handle(scope: CallScope): Promise<GatewayResponse> {
    const { catalog, policy, upstream, accounting } = this.deps;
    const { identity, json } = admitBody(scope, this.deps.limits, this.deps.identify);
    const request = parseEmbeddingRequest(json);
    scope.trace.modelRequested = request.model;
    const model = catalog.authorize(identity, request.model, 'embedding');
    scope.trace.model = model.name;
    const admission = await policy.admit({
      requestId: scope.requestId,
      identity,
      feature: scope.trace.feature,
      request: embeddingAdmissionRequest(request),
      model,
      headers: scope.request.headers,
    });
    let answered: Answered<EmbeddingResponse>;
    try {
      answered = await upstream.call(
        scope,
        model.deployments.map((d) => d.id),
        (id, context) => upstream.provider(id).embed!(request, context),
      );
    } catch (error) {
      await admission.release().catch(() => undefined);
      throw error;
    }
    const usage: TokenUsage = {
      inputTokens: answered.value.usage.prompt_tokens,
      outputTokens: 0,
      cachedInputTokens: 0,
    };
    const cost = costMicroUsd(answered.deployment.pricing, usage);
    await admission.settle(usage, cost);
    accounting.account(scope, answered, usage, cost);
    accounting.finish(scope, 200, 'success');
    return jsonResponse(200, answered.value, scope.headers);
  }
}
