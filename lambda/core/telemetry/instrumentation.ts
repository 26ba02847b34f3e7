import type { ProviderKind } from '../../contract/config/gateway-config';
import { GatewayError } from '../http/errors';
import { toTokenUsage } from '../openai/types';
import type {
  AdmissionControl,
  Authenticator,
  CallFacts,
  CallRouter,
  ResponseCache,
  TierRouter,
} from '../pipeline/ports';
import { ClientAbortedError } from '../providers/call-timers';
import type { CallContext, ProviderClient } from '../providers/provider';
import { UpstreamError } from '../providers/upstream-error';
import type { BreakerPermit, BreakerStore } from '../resilience/breaker';
import { costMicroUsd } from '../trace/cost';
import type { MetricWriter } from './emf';
import { inSpan, traceparentWithParent, type StepTracer } from './spans';

export type AdmissionName = 'kill_switch' | 'budget' | 'token_limit';
export type CacheKind = 'exact' | 'semantic';

/**
 * Where telemetry wraps the pipeline's parts: `createGateway` passes each part it builds through
 * here. The pipeline itself stays unaware of tracing and metrics; every method returns a part with
 * the same behaviour.
 */
export interface GatewayInstrumentation {
  authenticator(auth: Authenticator): Authenticator;
  admission(name: AdmissionName, control: AdmissionControl): AdmissionControl;
  router(router: CallRouter): CallRouter;
  tierRouter(router: TierRouter): TierRouter;
  cache(kind: CacheKind, cache: ResponseCache): ResponseCache;
  provider(kind: ProviderKind, client: ProviderClient): ProviderClient;
  breaker(store: BreakerStore): BreakerStore;
}

export const NO_INSTRUMENTATION: GatewayInstrumentation = {
  authenticator: (auth) => auth,
  admission: (_name, control) => control,
  router: (router) => router,
  tierRouter: (router) => router,
  cache: (_kind, cache) => cache,
  provider: (_kind, client) => client,
  breaker: (store) => store,
};

type FailureKind = 'fault' | 'error' | 'throttle';

function refusalKind(error: unknown): FailureKind {
  if (!(error instanceof GatewayError)) return 'fault';
  if (error.status === 429) return 'throttle';
  if (error.options.code === 'kill_switch') return 'error';
  return error.status >= 500 ? 'fault' : 'error';
}

function upstreamKind(error: unknown): FailureKind {
  if (error instanceof ClientAbortedError) return 'error';
  if (!(error instanceof UpstreamError)) return 'fault';
  if (error.failure === 'rate_limited') return 'throttle';
  return error.failure === 'invalid_request' || error.failure === 'credential' ? 'error' : 'fault';
}

/** `Failure` dimension of a failed attempt: the upstream failure class, or `unknown`. */
function failureOf(error: unknown): string | undefined {
  if (error instanceof ClientAbortedError) return undefined;
  return error instanceof UpstreamError ? error.failure : 'unknown';
}

export interface InstrumentationSinks {
  readonly steps: StepTracer;
  readonly metrics: MetricWriter;
  /** Milliseconds, monotonic. */
  readonly now?: () => number;
}

/**
 * Spans for every step (auth, each admission check, routing, each cache, each provider attempt)
 * and the metrics only a step can see: cache lookups, hits and savings; provider attempts,
 * retries, latency and failures; breaker transitions.
 */
export function instrumentGateway(sinks: InstrumentationSinks): GatewayInstrumentation {
  const { steps, metrics } = sinks;
  const now = sinks.now ?? (() => performance.now());
  // Deployments already attempted per call, to tell a retry from a first attempt. A call's
  // provider contexts share its abort signal, so the signal identifies the call.
  const attempted = new WeakMap<AbortSignal, Set<string>>();

  /** Opens an attempt's span and gives the provider a `traceparent` whose parent is that span. */
  function begin(kind: ProviderKind, context: CallContext) {
    const span = steps.start(`provider:${context.deploymentId}`);
    span.annotate('deployment', context.deploymentId);
    span.annotate('provider', kind);
    if (context.deployment.baseUrl) span.remote({ url: context.deployment.baseUrl, method: 'POST' });
    let seen = attempted.get(context.signal);
    if (!seen) attempted.set(context.signal, (seen = new Set()));
    const retry = seen.has(context.deploymentId);
    seen.add(context.deploymentId);
    if (retry) span.annotate('retry', true);
    const traced: CallContext = { ...context, traceparent: traceparentWithParent(context.traceparent, span.id) };
    const started = now();
    return {
      span,
      traced,
      /** The deployment answered (a whole body, or a stream's first chunk), or failed first. */
      answered() {
        metrics.emit(
          'provider',
          { Provider: kind, Deployment: context.deploymentId },
          { ProviderAttempts: 1, ProviderRetries: retry ? 1 : 0, ProviderLatency: now() - started },
        );
      },
      failed(error: unknown) {
        span.fail(error, upstreamKind(error));
        const failure = failureOf(error);
        if (!failure) return;
        span.annotate('failure', failure);
        metrics.emit(
          'providerError',
          { Provider: kind, Deployment: context.deploymentId, Failure: failure },
          { ProviderErrors: 1 },
        );
      },
    };
  }

  async function attempt<T>(kind: ProviderKind, context: CallContext, call: (context: CallContext) => Promise<T>) {
    const run = begin(kind, context);
    try {
      const value = await call(run.traced);
      run.answered();
      return value;
    } catch (error) {
      run.answered();
      run.failed(error);
      throw error;
    } finally {
      run.span.end();
    }
  }

  return {
    authenticator: (auth) => ({
      authenticate(authorization) {
        const span = steps.start('auth');
        try {
          const identity = auth.authenticate(authorization);
          span.annotate('tenant', identity.tenant);
          return identity;
        } catch (error) {
          span.fail(error, 'error');
          throw error;
        } finally {
          span.end();
        }
      },
    }),

    admission: (name, control) => ({
      admit: (facts) =>
        inSpan(
          steps,
          `admission:${name}`,
          async (span) => {
            try {
              return await control.admit(facts);
            } catch (error) {
              if (error instanceof GatewayError && error.options.code) span.annotate('refused', error.options.code);
              throw error;
            }
          },
          refusalKind,
        ),
    }),

    router: (router) => ({
      route(facts) {
        const span = steps.start('route');
        try {
          const decision = router.route(facts);
          span.annotate('deployments', decision.deployments.length);
          return decision;
        } finally {
          span.end();
        }
      },
    }),

    tierRouter: (router) => ({
      handles: (model) => router.handles(model),
      decide(input) {
        const span = steps.start('route:tier');
        try {
          const decision = router.decide(input);
          span.annotate('tier', decision.tier);
          span.annotate('reason', decision.reason);
          return decision;
        } finally {
          span.end();
        }
      },
    }),

    cache: (kind, cache) => ({
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
    }),

    provider: (kind, client) => {
      const wrapped: ProviderClient = {
        complete: (request, context) => attempt(kind, context, (traced) => client.complete(request, traced)),
        async *stream(request, context) {
          const run = begin(kind, context);
          let first = true;
          try {
            for await (const chunk of client.stream(request, run.traced)) {
              if (first) {
                first = false;
                run.answered();
              }
              yield chunk;
            }
          } catch (error) {
            if (first) run.answered();
            run.failed(error);
            throw error;
          } finally {
            run.span.end();
          }
        },
      };
      if (client.embed) {
        const embed = client.embed.bind(client);
        wrapped.embed = (request, context) => attempt(kind, context, (traced) => embed(request, traced));
      }
      return wrapped;
    },

    breaker: (store) => instrumentBreaker(store, metrics),
  };
}

/**
 * Breaker transitions as metrics. A refusal and a probe's success are known from the permit; an
 * opening from the store, which says whether the failure it counted opened the breaker (atomically,
 * so one opening is counted once whichever instances fail at the same instant).
 */
function instrumentBreaker(store: BreakerStore, metrics: MetricWriter): BreakerStore {
  const emit = (
    deployment: string,
    values: { BreakerOpened?: number; BreakerClosed?: number; BreakerRejected?: number },
  ) => metrics.emit('breaker', { Deployment: deployment }, values);
  return {
    async acquire(deployment) {
      const permit = await store.acquire(deployment);
      if (!permit.allowed) emit(deployment, { BreakerRejected: 1 });
      return permit;
    },
    async recordSuccess(deployment, permit: BreakerPermit) {
      await store.recordSuccess(deployment, permit);
      if (permit.probe) emit(deployment, { BreakerClosed: 1 });
    },
    async recordFailure(deployment, permit: BreakerPermit) {
      const opened = await store.recordFailure(deployment, permit);
      if (opened) emit(deployment, { BreakerOpened: 1 });
      return opened;
    },
    release: (deployment, permit: BreakerPermit) => store.release(deployment, permit),
    state: (deployment) => store.state(deployment),
  };
}
