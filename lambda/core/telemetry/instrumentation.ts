import type { ProviderKind } from '../../contract/config/gateway-config';
import type { AdmissionControl, Authenticator, CallRouter, AnswerCache, TierRouter } from '../pipeline/ports';
import type { ProviderClient } from '../providers/provider';
import type { BreakerStore } from '../resilience/breaker';
import type { MetricWriter } from './emf';
import { instrumentBreaker } from './instrument-breaker';
import { instrumentCache, type CacheKind } from './instrument-cache';
import { providerInstrumentation } from './instrument-provider';
import {
  instrumentAdmission,
  instrumentAuthenticator,
  instrumentRouter,
  instrumentTierRouter,
  type AdmissionName,
} from './instrument-steps';
import type { StepTracer } from './spans';

export type { AdmissionName } from './instrument-steps';
export type { CacheKind } from './instrument-cache';

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
  cache(kind: CacheKind, cache: AnswerCache): AnswerCache;
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

export interface InstrumentationSinks {
  readonly steps: StepTracer;
  readonly metrics: MetricWriter;
  /** Milliseconds, monotonic. */
  readonly now?: () => number;
}

/**
 * Spans for every step (auth, each admission check, routing, each cache, each provider attempt)
 * and the metrics only a step can see: cache lookups, hits and savings; provider attempts,
 * retries, latency and failures; breaker transitions. Each part is wrapped by its own module
 * (`instrument-*.ts`).
 */
export function instrumentGateway(sinks: InstrumentationSinks): GatewayInstrumentation {
  const { steps, metrics } = sinks;
  const provider = providerInstrumentation({ steps, metrics, now: sinks.now ?? (() => performance.now()) });
  return {
    authenticator: (auth) => instrumentAuthenticator(steps, auth),
    admission: (name, control) => instrumentAdmission(steps, name, control),
    router: (router) => instrumentRouter(steps, router),
    tierRouter: (router) => instrumentTierRouter(steps, router),
    cache: (kind, cache) => instrumentCache({ steps, metrics }, kind, cache),
    provider,
    breaker: (store) => instrumentBreaker(store, metrics),
  };
}
