import { ModelCatalog } from '../config/catalog';
import type { ResolvedModel, Admission, CallFacts, TrafficPolicy, Authenticator, TierRouter } from './ports';
import type { CredentialSource } from '../config/credentials';
import type { Deployment, GatewayConfig, ProviderKind } from '../../contract/config/gateway-config';
import { GatewayError, toGatewayError } from '../http/errors';
import { routePath } from '../http/path';
import type { CallerIdentity, GatewayRequest, GatewayResponse, ResponseHeaders } from '../http/types';
import { parseChatCompletionRequest, parseEmbeddingRequest, parseJsonBody } from '../openai/request-schema';
import { RemoteUrlGuard, type HostResolver } from '../openai/remote-urls';
import { completionToChunks } from '../openai/stream-replay';
import {
  toTokenUsage,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type EmbeddingResponse,
  type TokenUsage,
} from '../openai/types';
import { ClientAbortedError } from '../providers/call-timers';
import type { CallContext, ProviderClient } from '../providers/provider';
import { SSE_DONE, sseFrame } from '../providers/sse';
import { UpstreamError } from '../providers/upstream-error';
import type { BreakerStore } from '../resilience/breaker';
import { PrefetchedPermit, callWithFailover, type Attempted, type FailoverOutcome } from '../resilience/failover';
import { costMicroUsd } from '../trace/cost';
import type { TraceRecord, TraceSink } from '../trace/record';
import { ApiKeyAuthenticator, childTraceparent, requestIdOf } from './identity';
import { embeddingAdmissionRequest } from './embedding-admission';
import { PASS_THROUGH_POLICY } from './policy';
import { STREAM_HEADERS, errorResponse, jsonResponse } from './responses';
import { estimateTokens } from '../openai/token-estimate';
import { formatRouteHeader } from '../policy/router/router';
import { REQUEST_HEADERS, RESPONSE_HEADERS } from '../../contract/headers';

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

const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/** Rough tokens of text, for accounting a stream that broke before its usage arrived. */
const tokensOfChars = (chars: number) => Math.ceil(chars / 4);

/**
 * The gateway's core: an OpenAI-compatible API over many providers. It knows nothing of Lambda or
 * node:http; the handler, the local server and the tests all drive this class.
 */
export class Gateway {
  private readonly catalog: ModelCatalog;
  private readonly auth: Authenticator;
  private readonly policy: TrafficPolicy;
  private readonly now: () => number;
  private readonly urls: RemoteUrlGuard;

  constructor(private readonly deps: GatewayDependencies) {
    this.catalog = new ModelCatalog(deps.config);
    this.urls = new RemoteUrlGuard(deps.config.remoteUrls, deps.resolveHost);
    this.auth = deps.authenticator ?? new ApiKeyAuthenticator(deps.config.apiKeys);
    this.policy = deps.policy ?? PASS_THROUGH_POLICY;
    this.now = deps.now ?? (() => performance.now());
    for (const [tier, { model }] of Object.entries(deps.config.routing?.tiers ?? {})) {
      this.catalog.resolve(model, 'chat'); // a tier naming an unknown chat model fails here, at start
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

  /** Public model names, for the local server's banner. */
  models(): string[] {
    return this.catalog.names();
  }

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const started = this.now();
    const requestId = requestIdOf(request.headers[REQUEST_HEADERS.requestId]);
    const headers: ResponseHeaders = { [RESPONSE_HEADERS.requestId]: requestId };
    const path = routePath(request.path);
    const trace = this.newTrace(requestId, path, request);
    try {
      if (path === '/v1/health') {
        this.expectMethod(request, 'GET');
        return jsonResponse(200, { status: 'ok' }, headers);
      }
      if (path === '/v1/models') {
        this.expectMethod(request, 'GET');
        return this.listModels(this.identify(request), headers);
      }
      if (path === '/v1/chat/completions') {
        this.expectMethod(request, 'POST');
        return await this.chat(request, requestId, headers, trace, started);
      }
      if (path === '/v1/embeddings') {
        this.expectMethod(request, 'POST');
        return await this.embeddings(request, requestId, headers, trace, started);
      }
      throw GatewayError.notFound(`Unknown request URL: ${request.method} ${request.path}.`, undefined, 'unknown_url');
    } catch (thrown) {
      const aborted = thrown instanceof ClientAbortedError;
      const error = aborted
        ? new GatewayError(499, 'api_error', 'The client closed the request.', { code: 'client_closed_request' })
        : toGatewayError(thrown);
      if (trace.route === '/v1/chat/completions' || trace.route === '/v1/embeddings') {
        const outcome = aborted ? 'client_aborted' : trace.attempts > 0 ? 'upstream_error' : 'rejected';
        if (error.options.detail) trace.errorDetail = capped(error.options.detail);
        this.finish(trace, started, error.status, outcome, error.options.code);
      }
      return errorResponse(error, headers);
    }
  }

  private expectMethod(request: GatewayRequest, method: string): void {
    if (request.method !== method) {
      throw new GatewayError(
        405,
        'invalid_request_error',
        `Use ${method} for ${request.path}, not ${request.method}.`,
        {
          code: 'method_not_allowed',
        },
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
    return request.identity ?? this.auth.authenticate(request.headers[REQUEST_HEADERS.authorization]);
  }

  private listModels(identity: CallerIdentity, headers: ResponseHeaders): GatewayResponse {
    const names = this.catalog
      .names()
      .filter((name) => !identity.allowedModels || identity.allowedModels.includes(name));
    return jsonResponse(
      200,
      { object: 'list', data: names.map((id) => ({ id, object: 'model', created: 0, owned_by: 'llm-platform' })) },
      headers,
    );
  }

  /** Steps 1-2 for every model call: size, identity, JSON, model and permission. */
  private admitBody(request: GatewayRequest, trace: TraceRecord): { identity: CallerIdentity; json: unknown } {
    const limit = this.deps.config.limits.maxBodyBytes;
    if (request.body.length > limit) throw GatewayError.tooLarge(limit);
    const identity = this.identify(request);
    trace.tenant = identity.tenant;
    trace.user = identity.user;
    return { identity, json: parseJsonBody(request.body, this.deps.config.limits.maxJsonDepth) };
  }

  private resolveModel(identity: CallerIdentity, requested: string, kind: 'chat' | 'embedding'): ResolvedModel {
    return this.catalog.authorize(identity, requested, kind);
  }

  /**
   * The canonical name of a model the caller may use, for services that take a model name to use
   * later (a job's body, a collection's model): a 404 GatewayError for an unknown model, a 403 for
   * one the caller's key may not use.
   */
  authorizeModel(identity: CallerIdentity, requested: string, kind: 'chat' | 'embedding'): string {
    return this.catalog.authorizeName(identity, requested, kind);
  }

  private async chat(
    request: GatewayRequest,
    requestId: string,
    headers: ResponseHeaders,
    trace: TraceRecord,
    started: number,
  ): Promise<GatewayResponse> {
    const { identity, json } = this.admitBody(request, trace);
    const chatRequest = parseChatCompletionRequest(json);
    await this.urls.check(chatRequest);
    trace.modelRequested = chatRequest.model;
    trace.stream = chatRequest.stream === true;
    const decision = this.deps.router?.handles(chatRequest.model)
      ? this.deps.router.decide({
          request: chatRequest,
          tenant: identity.tenant,
          feature: trace.feature,
          estimatedTokens: estimateTokens(chatRequest, 0).input,
        })
      : undefined;
    const model = this.resolveModel(identity, decision?.model ?? chatRequest.model, 'chat');
    trace.model = model.name;
    if (decision) trace.routeDecision = headers[RESPONSE_HEADERS.route] = formatRouteHeader(decision);

    const facts: CallFacts = {
      requestId,
      identity,
      feature: trace.feature,
      request: chatRequest,
      model,
      headers: request.headers,
    };
    // What the call needs from the shared store is asked for at once, one round trip with Redis's
    // auto-pipelining: the admission checks, the cache lookup and the first deployment's breaker.
    const route = this.policy.route(facts);
    const permit = new PrefetchedPermit(this.deps.breaker, route.deployments[0]);
    const lookup = this.policy.lookup(facts);
    lookup.catch(() => undefined); // awaited once admitted; after a refusal nobody reads it
    let admission: Admission;
    try {
      admission = await this.policy.admit(facts);
    } catch (error) {
      await permit.discard();
      throw error;
    }
    try {
      headers[RESPONSE_HEADERS.route] ??= route.reason;
      const cached = await lookup;
      if (cached) {
        await permit.discard();
        headers[RESPONSE_HEADERS.cache] = 'hit';
        await admission.settle(ZERO_USAGE, 0);
        this.finish(trace, started, 200, 'success');
        return chatRequest.stream ? this.replay(cached, chatRequest, headers) : jsonResponse(200, cached, headers);
      }
      const traceparent = childTraceparent(request.headers[REQUEST_HEADERS.traceparent]);
      if (chatRequest.stream) {
        return await this.streamChat(
          request,
          chatRequest,
          route.deployments,
          permit,
          facts,
          admission,
          headers,
          trace,
          started,
          traceparent,
        );
      }
      const outcome: FailoverOutcome = { attempts: 0, failovers: 0 };
      const result = await this.withOutcome(trace, outcome, () =>
        callWithFailover(
          route.deployments,
          this.deps.breaker,
          this.deps.config.retry,
          async (id) =>
            this.provider(id).complete(chatRequest, await this.context(id, request.signal, requestId, traceparent)),
          outcome,
          permit,
        ),
      );
      const deployment = this.deps.config.deployments[result.deploymentId];
      const usage = toTokenUsage(result.value.usage) ?? ZERO_USAGE;
      const cost = costMicroUsd(deployment.pricing, usage);
      await Promise.all([admission.settle(usage, cost), this.policy.store(facts, result.value).catch(() => undefined)]);
      this.account(trace, result.deploymentId, deployment, usage, cost);
      this.finish(trace, started, 200, 'success');
      return jsonResponse(200, result.value, headers);
    } catch (error) {
      await Promise.all([admission.release().catch(() => undefined), permit.discard()]);
      throw error;
    }
  }

  private async streamChat(
    request: GatewayRequest,
    chatRequest: ChatCompletionRequest,
    deployments: readonly string[],
    permit: PrefetchedPermit,
    facts: CallFacts,
    admission: Admission,
    headers: ResponseHeaders,
    trace: TraceRecord,
    started: number,
    traceparent: string,
  ): Promise<GatewayResponse> {
    const outcome: FailoverOutcome = { attempts: 0, failovers: 0 };
    const upstream = new AbortController();
    const signal = AbortSignal.any([request.signal, upstream.signal]);
    // Failures before the first chunk are retried and failed over; after it, never (the client
    // has text it must not see twice).
    const result = await this.withOutcome(trace, outcome, () =>
      callWithFailover(
        deployments,
        this.deps.breaker,
        this.deps.config.retry,
        async (id) => {
          const iterator = this.provider(id).stream(
            chatRequest,
            await this.context(id, signal, facts.requestId, traceparent),
          );
          const first = await iterator.next();
          if (first.done) throw new UpstreamError('malformed', `${id} sent an empty stream`, { deployment: id });
          return { iterator, first: first.value };
        },
        outcome,
        permit,
      ),
    );
    trace.timeToFirstTokenMs = Math.round(this.now() - started);
    const deployment = this.deps.config.deployments[result.deploymentId];
    const includeUsage = chatRequest.stream_options?.include_usage === true;
    const frames = this.streamFrames({
      ...result.value,
      request,
      chatRequest,
      admission,
      trace,
      started,
      deploymentId: result.deploymentId,
      deployment,
      includeUsage,
      upstream,
    });
    return { kind: 'stream', status: 200, headers: { ...STREAM_HEADERS, ...headers }, frames };
  }

  /** The client's SSE frames, continuing the upstream stream whose first chunk is already here. */
  private async *streamFrames(stream: {
    iterator: AsyncGenerator<ChatCompletionChunk>;
    first: ChatCompletionChunk;
    request: GatewayRequest;
    chatRequest: ChatCompletionRequest;
    admission: Admission;
    trace: TraceRecord;
    started: number;
    deploymentId: string;
    deployment: Deployment;
    includeUsage: boolean;
    upstream: AbortController;
  }): AsyncGenerator<string> {
    const {
      iterator,
      first,
      request,
      chatRequest,
      admission,
      trace,
      started,
      deploymentId,
      deployment,
      includeUsage,
      upstream,
    } = stream;
    let usage: TokenUsage | undefined;
    let streamedChars = 0;
    let status = 200;
    let outcomeName: TraceRecord['outcome'] = 'success';
    let errorCode: string | undefined;
    try {
      for (let chunk: ChatCompletionChunk | undefined = first; chunk;) {
        if (chunk.usage) usage = toTokenUsage(chunk.usage);
        for (const choice of chunk.choices) {
          streamedChars += choice.delta.content?.length ?? 0;
          for (const call of choice.delta.tool_calls ?? []) streamedChars += call.function?.arguments?.length ?? 0;
        }
        const shaped = shapeChunk(chunk, includeUsage);
        if (shaped) yield sseFrame(shaped);
        const next = await iterator.next();
        chunk = next.done ? undefined : next.value;
      }
      yield SSE_DONE;
    } catch (error) {
      if (error instanceof ClientAbortedError || request.signal.aborted) {
        outcomeName = 'client_aborted';
        return;
      }
      // After the first byte the status is sent: the error travels in the stream, as OpenAI's does.
      const failure = error instanceof UpstreamError ? error : undefined;
      outcomeName = 'upstream_error';
      status = failure?.failure === 'timeout' ? 504 : 502;
      errorCode = 'stream_interrupted';
      trace.errorDetail = capped(failure?.message ?? toGatewayError(error).options.detail ?? 'internal error');
      const message = status === 504 ? "The model's stream stalled and was cut off." : "The model's stream broke off.";
      yield sseFrame(new GatewayError(status, 'upstream_error', message, { code: errorCode }).toBody());
    } finally {
      upstream.abort();
      await iterator.return(undefined).catch(() => undefined);
      if (request.signal.aborted && outcomeName === 'success') outcomeName = 'client_aborted';
      // A stream that broke before its usage block is still paid for: estimate what was used.
      const settled = usage ?? {
        inputTokens: tokensOfChars(JSON.stringify(chatRequest.messages).length),
        outputTokens: tokensOfChars(streamedChars),
        cachedInputTokens: 0,
      };
      const cost = costMicroUsd(deployment.pricing, settled);
      await admission.settle(settled, cost).catch(() => undefined);
      this.account(trace, deploymentId, deployment, settled, cost);
      this.finish(trace, started, status, outcomeName, errorCode);
    }
  }

  private replay(
    completion: ChatCompletion,
    request: ChatCompletionRequest,
    headers: ResponseHeaders,
  ): GatewayResponse {
    const chunks = completionToChunks(completion, request.stream_options?.include_usage === true);
    async function* frames(): AsyncGenerator<string> {
      for (const chunk of chunks) yield sseFrame(chunk);
      yield SSE_DONE;
    }
    return { kind: 'stream', status: 200, headers: { ...STREAM_HEADERS, ...headers }, frames: frames() };
  }

  private async embeddings(
    request: GatewayRequest,
    requestId: string,
    headers: ResponseHeaders,
    trace: TraceRecord,
    started: number,
  ): Promise<GatewayResponse> {
    const { identity, json } = this.admitBody(request, trace);
    const embeddingRequest = parseEmbeddingRequest(json);
    trace.modelRequested = embeddingRequest.model;
    const model = this.resolveModel(identity, embeddingRequest.model, 'embedding');
    trace.model = model.name;
    // The same kill switch, budgets and token limits as a chat call: embedding a corpus spends too.
    const admission = await this.policy.admit({
      requestId,
      identity,
      feature: trace.feature,
      request: embeddingAdmissionRequest(embeddingRequest),
      model,
      headers: request.headers,
    });
    const traceparent = childTraceparent(request.headers[REQUEST_HEADERS.traceparent]);
    const outcome: FailoverOutcome = { attempts: 0, failovers: 0 };
    let result: Attempted<EmbeddingResponse>;
    try {
      result = await this.withOutcome(trace, outcome, () =>
        callWithFailover(
          model.deployments.map((d) => d.id),
          this.deps.breaker,
          this.deps.config.retry,
          async (id) =>
            this.provider(id).embed!(embeddingRequest, await this.context(id, request.signal, requestId, traceparent)),
          outcome,
        ),
      );
    } catch (error) {
      await admission.release().catch(() => undefined);
      throw error;
    }
    const deployment = this.deps.config.deployments[result.deploymentId];
    const usage: TokenUsage = { inputTokens: result.value.usage.prompt_tokens, outputTokens: 0, cachedInputTokens: 0 };
    const cost = costMicroUsd(deployment.pricing, usage);
    await admission.settle(usage, cost);
    this.account(trace, result.deploymentId, deployment, usage, cost);
    this.finish(trace, started, 200, 'success');
    return jsonResponse(200, result.value, headers);
  }

  private provider(deploymentId: string): ProviderClient {
    return this.deps.providers[this.deps.config.deployments[deploymentId].provider];
  }

  private async context(
    deploymentId: string,
    signal: AbortSignal,
    requestId: string,
    traceparent: string,
  ): Promise<CallContext> {
    const deployment = this.deps.config.deployments[deploymentId];
    let apiKey: string | undefined;
    if (deployment.credential) {
      apiKey = await this.deps.credentials.get(deployment.credential);
      if (!apiKey) {
        throw new UpstreamError('credential', `no value is set for credential "${deployment.credential}"`, {
          deployment: deploymentId,
        });
      }
    }
    return { deploymentId, deployment, apiKey, signal, requestId, traceparent };
  }

  /** Runs a failover search, copying its attempt counts into the trace whether it succeeds or not. */
  private async withOutcome<T>(trace: TraceRecord, outcome: FailoverOutcome, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      trace.attempts = outcome.attempts;
      trace.failovers = outcome.failovers;
    }
  }

  private newTrace(requestId: string, route: string, request: GatewayRequest): TraceRecord {
    const feature = request.headers[REQUEST_HEADERS.feature];
    return {
      requestId,
      route,
      feature: feature && /^[A-Za-z0-9._:-]{1,64}$/.test(feature) ? feature : undefined,
      stream: false,
      attempts: 0,
      failovers: 0,
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      costMicroUsd: 0,
      latencyMs: 0,
      status: 0,
      outcome: 'success',
    };
  }

  private account(
    trace: TraceRecord,
    deploymentId: string,
    deployment: Deployment,
    usage: TokenUsage,
    cost: number,
  ): void {
    trace.deployment = deploymentId;
    trace.provider = deployment.provider;
    trace.inputTokens = usage.inputTokens;
    trace.outputTokens = usage.outputTokens;
    trace.cachedInputTokens = usage.cachedInputTokens;
    trace.costMicroUsd = cost;
  }

  private finish(
    trace: TraceRecord,
    started: number,
    status: number,
    outcome: TraceRecord['outcome'],
    errorCode?: string,
  ): void {
    trace.status = status;
    trace.outcome = outcome;
    trace.latencyMs = Math.round((this.now() - started) * 1000) / 1000;
    if (errorCode) trace.errorCode = errorCode;
    try {
      this.deps.traces.record(trace);
    } catch {
      // Accounting must never fail the call it accounts for.
    }
  }
}

/** An error's detail as the trace keeps it: enough to act on, never a whole provider body. */
function capped(detail: string): string {
  return detail.length > 1_000 ? `${detail.slice(0, 1_000)}…` : detail;
}

/** What the client sees of an upstream chunk: usage only when it asked for it. */
function shapeChunk(chunk: ChatCompletionChunk, includeUsage: boolean): ChatCompletionChunk | undefined {
  if (chunk.choices.length === 0 && chunk.usage) return includeUsage ? chunk : undefined;
  if (!includeUsage && 'usage' in chunk) {
    const { usage: _usage, ...rest } = chunk;
    return rest;
  }
  return chunk;
}
