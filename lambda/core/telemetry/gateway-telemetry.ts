import type { Logger } from '@aws-lambda-powertools/logger';
import type { SoftThresholdEvent } from '../policy/budget/budget-guard';
import type { SemanticCacheEvent } from '../policy/cache/semantic-cache';
import type { StoreHealthEvent } from '../policy/limits/resilient-bucket-store';
import type { TraceRecord, TraceSink } from '../trace/record';
import { DIRECT_TIER, GATEWAY_ROUTES, UNTAGGED_FEATURE } from '../../contract/metrics';
import { DimensionPolicy } from './dimensions';
import type { MetricWriter } from './emf';
import { errorClassOf } from './error-class';
import { ERROR_CLASSES } from '../../contract/error-classes';
import { instrumentGateway, type GatewayInstrumentation } from './instrumentation';
import { UNRECORDED_STEPS, type StepTracer } from './spans';

/** The gateway's policy events, as `createGateway` takes them. */
export interface GatewayEventSinks {
  onBudgetSoftThreshold(event: SoftThresholdEvent): void;
  onLimitsStoreHealth(event: StoreHealthEvent): void;
  onSemanticCacheEvent(event: SemanticCacheEvent): void;
}

export interface GatewayTelemetryOptions {
  /** Structured, redacting logger (`createPlatformLogger`). */
  readonly logger: Logger;
  /** Where metrics go: `EmfMetricWriter` deployed and locally, a recorder in tests. */
  readonly metrics: MetricWriter;
  /** Where step spans go. @default spans with ids only (nothing exported) */
  readonly steps?: StepTracer;
  /** Which tenants and features become dimensions. @default no tenants, up to 25 features */
  readonly dimensions?: DimensionPolicy;
}

const TIER = /(?:^|;\s*)tier=([^;]+)/;

/**
 * Everything the gateway reports, from the three places it reports from: each call's trace record
 * (one log line, and the call, usage, outcome and error metrics), the policy events (budget soft
 * thresholds, limit-store outages, semantic-cache hits and outages), and the steps themselves
 * (spans, cache and provider metrics, through {@link instrumentation}). `createGateway` takes it
 * whole: `createGateway({ config, telemetry })`.
 */
export class GatewayTelemetry implements TraceSink {
  readonly instrumentation: GatewayInstrumentation;
  readonly events: GatewayEventSinks;
  private readonly logger: Logger;
  private readonly metrics: MetricWriter;
  private readonly dimensions: DimensionPolicy;

  constructor(options: GatewayTelemetryOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.dimensions = options.dimensions ?? new DimensionPolicy();
    this.instrumentation = instrumentGateway({ steps: options.steps ?? UNRECORDED_STEPS, metrics: options.metrics });
    this.events = {
      onBudgetSoftThreshold: (event) => this.budgetSoftThreshold(event),
      onLimitsStoreHealth: (event) => this.limitsStoreHealth(event),
      onSemanticCacheEvent: (event) => this.semanticCacheEvent(event),
    };
  }

  /** The trace sink: `createGateway` sends each call's record here. */
  get traces(): TraceSink {
    return this;
  }

  record(trace: TraceRecord): void {
    this.logger.info('llm.trace', { trace });
    const route = GATEWAY_ROUTES[trace.route as keyof typeof GATEWAY_ROUTES];
    if (!route) return;
    const answered = trace.outcome === 'success';
    const errorClass = errorClassOf(trace);
    const fault = errorClass && ERROR_CLASSES[errorClass].fault ? 1 : 0;
    this.metrics.emit(
      'call',
      { Route: route, Model: trace.model, Tier: TIER.exec(trace.routeDecision ?? '')?.[1] ?? DIRECT_TIER },
      {
        Requests: 1,
        Latency: answered ? trace.latencyMs : undefined,
        TimeToFirstToken: answered ? trace.timeToFirstTokenMs : undefined,
        InputTokens: trace.inputTokens,
        OutputTokens: trace.outputTokens,
        CachedInputTokens: trace.cachedInputTokens,
        CostMicroUsd: trace.costMicroUsd,
        Faults: fault,
        Failovers: trace.failovers,
      },
    );
    // Unauthenticated calls name no feature: their headers must not use up the feature cap.
    const feature = trace.tenant ? this.dimensions.feature(trace.feature) : UNTAGGED_FEATURE;
    const usage = { Feature: feature, Tenant: this.dimensions.tenant(trace.tenant) };
    this.metrics.emit('usage', usage, {
      Requests: 1,
      InputTokens: trace.inputTokens,
      OutputTokens: trace.outputTokens,
      Faults: fault,
    });
    // Spend without `service`: the gateway's, the jobs worker's and the embedding service's calls
    // add up in the one series the spend alarms and the kill switch read.
    this.metrics.emit('spend', usage, { CostMicroUsd: trace.costMicroUsd });
    this.metrics.emit('outcome', { Route: route, Outcome: trace.outcome }, { Requests: 1 });
    if (errorClass) this.metrics.emit('error', { Route: route, ErrorClass: errorClass }, { Errors: 1 });
  }

  private budgetSoftThreshold(event: SoftThresholdEvent): void {
    this.logger.warn('llm.budget.soft_threshold', { budget: event });
    // `budget:tenant:<id>` or `budget:feature:<id>`: the dimension is the kind, never the id.
    const kind = /^budget:([a-z]+):/.exec(event.budget)?.[1] ?? 'other';
    this.metrics.emit('budget', { Budget: kind }, { BudgetSoftThreshold: 1 });
  }

  private limitsStoreHealth(event: StoreHealthEvent): void {
    if (event.type === 'limits.store_unavailable') {
      this.logger.error(event.type, { mode: event.mode, reason: event.error });
      this.metrics.emit('limitsStore', {}, { LimitsStoreUnavailable: 1 });
    } else {
      this.logger.info(event.type, { outageMs: event.outageMs });
      this.metrics.emit('limitsStore', {}, { LimitsStoreRecovered: 1 });
    }
  }

  private semanticCacheEvent(event: SemanticCacheEvent): void {
    if (event.type === 'semantic_cache.hit') {
      this.metrics.emit('semanticHit', {}, { SemanticSimilarity: event.similarity });
    } else {
      this.logger.warn(event.type, { reason: event.error });
      this.metrics.emit('cacheHealth', { CacheKind: 'semantic' }, { CacheUnavailable: 1 });
    }
  }
}
