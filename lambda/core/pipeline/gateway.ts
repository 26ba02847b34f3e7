import type { GatewayConfig, ProviderKind } from '../../contract/config/gateway-config';
import { ModelCatalog } from '../config/catalog';
import type { CredentialSource } from '../config/credentials';
import { GatewayError, toGatewayError } from '../http/errors';
import type { CallerIdentity, GatewayRequest, GatewayResponse } from '../http/types';
import { RemoteUrlGuard, type HostResolver } from '../openai/remote-urls';
import { ClientAbortedError } from '../providers/call-timers';
import type { ProviderClient } from '../providers/provider';
import type { BreakerStore } from '../resilience/breaker';
import type { TraceSink } from '../trace/record';
import { CallAccounting, capped } from './accounting';
import { CallScope } from './call-scope';
import { ChatPart } from './chat';
import { EmbeddingsPart } from './embeddings';
import { ApiKeyAuthenticator } from './identity';
import { PASS_THROUGH_POLICY } from './policy';
import type { Authenticator, TierRouter, TrafficPolicy } from './ports';
import { errorResponse, jsonResponse } from './responses';
import { StreamPart } from './stream';
import { Upstream } from './upstream';

export interface GatewayDependencies {
  readonly config: GatewayConfig;
  readonly providers: Readonly<Record<ProviderKind, ProviderClient>>;
  readonly breaker: BreakerStore;
  readonly credentials: CredentialSource;
  readonly traces: TraceSink;
  readonly policy?: TrafficPolicy;
  /** Chooses a model for requests naming the router's model (e.g. `auto`). */
  readonly router?: TierRouter;
  /** Checks bearer keys when no outer layer has. @default the config's `apiKeys` */
  readonly authenticator?: Authenticator;
  /** Milliseconds, monotonic. */
  readonly now?: () => number;
  /** Resolves the host names of URLs in requests. @default the system resolver */
  readonly resolveHost?: HostResolver;
}

/** Routes whose calls are model calls: recorded, metered and accounted. */
const MODEL_ROUTES = new Set(['/v1/chat/completions', '/v1/embeddings']);

/**
 * The gateway's core: an OpenAI-compatible API over many providers. It knows nothing of Lambda or
 * node:http; the handler, the local server and the tests all drive this class. It routes each call
 * to its part (`ChatPart`, `StreamPart`, `EmbeddingsPart`) with the call's scope, and answers
 * whatever a part throws in OpenAI's error format.
 */
export class Gateway {
  private readonly catalog: ModelCatalog;
  private readonly auth: Authenticator;
  private readonly now: () => number;
  private readonly accounting: CallAccounting;
  private readonly chat: ChatPart;
  private readonly embeddings: EmbeddingsPart;

  constructor(deps: GatewayDependencies) {
    checkComposition(deps);
    this.catalog = new ModelCatalog(deps.config);
    this.auth = deps.authenticator ?? new ApiKeyAuthenticator(deps.config.apiKeys);
    this.now = deps.now ?? (() => performance.now());
    this.accounting = new CallAccounting(deps.traces, this.now);
    const policy = deps.policy ?? PASS_THROUGH_POLICY;
    const upstream = new Upstream(deps.config, deps.providers, deps.breaker, deps.credentials);
    const identify = (request: GatewayRequest) => this.identify(request);
    const common = { catalog: this.catalog, limits: deps.config.limits, identify, policy, upstream };
    this.chat = new ChatPart({
      ...common,
      urls: new RemoteUrlGuard(deps.config.remoteUrls, deps.resolveHost),
      router: deps.router,
      breaker: deps.breaker,
      stream: new StreamPart(upstream, this.accounting, this.now),
      accounting: this.accounting,
      outputCap: outputCapOf(deps.config),
    });
    this.embeddings = new EmbeddingsPart({ ...common, accounting: this.accounting });
  }

  /** Public model names, for the local server's banner. */
  models(): string[] {
    return this.catalog.names();
  }

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const scope = new CallScope(request, this.now());
    try {
      return await this.dispatch(scope);
    } catch (thrown) {
      const aborted = thrown instanceof ClientAbortedError;
      const error = aborted
        ? new GatewayError(499, 'api_error', 'The client closed the request.', { code: 'client_closed_request' })
        : toGatewayError(thrown);
      if (MODEL_ROUTES.has(scope.route)) {
        const outcome = aborted ? 'client_aborted' : scope.trace.attempts > 0 ? 'upstream_error' : 'rejected';
        if (error.options.detail) scope.trace.errorDetail = capped(error.options.detail);
        this.accounting.finish(scope, error.status, outcome, error.options.code);
      }
      return errorResponse(error, scope.headers);
    }
  }

  private async dispatch(scope: CallScope): Promise<GatewayResponse> {
    const { request } = scope;
    switch (scope.route) {
      case '/v1/health':
        expectMethod(request, 'GET');
        return jsonResponse(200, { status: 'ok' }, scope.headers);
      case '/v1/models':
        expectMethod(request, 'GET');
        return this.listModels(this.identify(request), scope);
      case '/v1/chat/completions':
        expectMethod(request, 'POST');
        return this.chat.handle(scope);
      case '/v1/embeddings':
        expectMethod(request, 'POST');
        return this.embeddings.handle(scope);
      default:
        throw GatewayError.notFound(
          `Unknown request URL: ${request.method} ${request.path}.`,
          undefined,
          'unknown_url',
        );
    }
  }

  /**
   * Who is calling: the identity an outer layer (the API's authorizer) attached, else the bearer key
   * checked against the config's keys. Services beside the gateway (embeddings, jobs) authenticate
   * their routes with it, so every route maps a caller to a tenant the same way. Throws a 401
   * `GatewayError` for a missing or wrong key.
   */
  identify(request: GatewayRequest): CallerIdentity {
    return request.identity ?? this.auth.authenticate(request.headers.authorization);
  }

  /**
   * The canonical name of a model the caller may use, for services that take a model name to use
   * later (a job's body, a collection's model): a 404 GatewayError for an unknown model, a 403 for
   * one the caller's key may not use.
   */
  authorizeModel(identity: CallerIdentity, requested: string, kind: 'chat' | 'embedding'): string {
    return this.catalog.authorizeName(identity, requested, kind);
  }

  private listModels(identity: CallerIdentity, scope: CallScope): GatewayResponse {
    const names = this.catalog
      .names()
      .filter((name) => !identity.allowedModels || identity.allowedModels.includes(name));
    return jsonResponse(
      200,
      { object: 'list', data: names.map((id) => ({ id, object: 'model', created: 0, owned_by: 'llm-platform' })) },
      scope.headers,
    );
  }
}

function expectMethod(request: GatewayRequest, method: string): void {
  if (request.method !== method) {
    throw new GatewayError(405, 'invalid_request_error', `Use ${method} for ${request.path}, not ${request.method}.`, {
      code: 'method_not_allowed',
    });
  }
}

/** The output cap that budgets and token limits reserve by: the smaller of theirs, when configured. */
function outputCapOf(config: GatewayConfig): number | undefined {
  const caps = [config.budgets?.defaultMaxOutputTokens, config.tokenLimits?.defaultMaxOutputTokens].filter(
    (cap): cap is number => cap !== undefined,
  );
  return caps.length > 0 ? Math.min(...caps) : undefined;
}

/** What the gateway refuses to start with: a mistake in how it was composed, found at start. */
function checkComposition(deps: GatewayDependencies): void {
  const catalog = new ModelCatalog(deps.config);
  for (const [tier, { model }] of Object.entries(deps.config.routing?.tiers ?? {})) {
    catalog.resolve(model, 'chat'); // a tier naming an unknown chat model fails here, at start
    if (!deps.router) throw new Error(`routing is configured (tier "${tier}") but no router was built from it`);
  }
  for (const [name, model] of Object.entries(deps.config.models)) {
    for (const id of model.deployments) {
      const provider = deps.providers[deps.config.deployments[id].provider];
      if (model.kind === 'embedding' && !provider.embed) {
        throw new Error(`model "${name}" is an embedding model but deployment "${id}" cannot embed`);
      }
    }
  }
}
