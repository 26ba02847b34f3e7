import type { Deployment } from '../../contract/config/gateway-config';
import type { TokenUsage } from '../openai/types';
import type { TraceRecord, TraceSink } from '../trace/record';
import type { CallScope } from './call-scope';

/** An error's detail as the record keeps it: enough to act on, never a whole provider body. */
export function capped(detail: string): string {
  return detail.length > 1_000 ? `${detail.slice(0, 1_000)}…` : detail;
}

/**
 * The call's record: who answered, what it used and cost, how it ended and how long it took,
 * handed to the trace sink once per call.
 */
export class CallAccounting {
  constructor(
    private readonly traces: TraceSink,
    private readonly now: () => number,
  ) {}

  /** Who answered and what it used. */
  account(
    scope: CallScope,
    answered: { deploymentId: string; deployment: Deployment },
    usage: TokenUsage,
    cost: number,
  ) {
    const { trace } = scope;
    trace.deployment = answered.deploymentId;
    trace.provider = answered.deployment.provider;
    trace.inputTokens = usage.inputTokens;
    trace.outputTokens = usage.outputTokens;
    trace.cachedInputTokens = usage.cachedInputTokens;
    trace.costMicroUsd = cost;
  }

  /** How the call ended: the record goes to the sink. */
  finish(scope: CallScope, status: number, outcome: TraceRecord['outcome'], errorCode?: string): void {
    const { trace } = scope;
    trace.status = status;
    trace.outcome = outcome;
    trace.latencyMs = Math.round((this.now() - scope.started) * 1000) / 1000;
    if (errorCode) trace.errorCode = errorCode;
    try {
      this.traces.record(trace);
    } catch {
      // Accounting must never fail the call it accounts for.
    }
  }
}
