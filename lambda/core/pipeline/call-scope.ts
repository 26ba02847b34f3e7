import { REQUEST_HEADERS, RESPONSE_HEADERS } from '../../contract/headers';
import { routePath } from '../http/path';
import type { GatewayRequest, ResponseHeaders } from '../http/types';
import type { FailoverEvents } from '../resilience/failover';
import type { TraceRecord } from '../trace/record';
import { childTraceparent, requestIdOf } from './identity';

const FEATURE = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Everything one call carries from its start to its record: the request, its id, the headers the
 * answer will carry, the trace record being filled in, when it started, the trace context sent to
 * providers, and the signal that aborts it. Made once per call by the `Gateway` and passed down, so
 * no part takes these one by one, and the record is filled in one place.
 */
export class CallScope {
  readonly requestId: string;
  /** The route as the core matches it (`/v1/...`). */
  readonly route: string;
  readonly headers: ResponseHeaders;
  readonly trace: TraceRecord;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  private childTraceparent: string | undefined;

  constructor(
    readonly request: GatewayRequest,
    /** When the call started, in the gateway's monotonic milliseconds. */
    readonly started: number,
  ) {
    this.requestId = requestIdOf(request.headers[REQUEST_HEADERS.requestId]);
    this.route = routePath(request.path);
    this.headers = { [RESPONSE_HEADERS.requestId]: this.requestId };
    this.signal = request.signal;
    const feature = request.headers[REQUEST_HEADERS.feature];
    this.trace = {
      requestId: this.requestId,
      route: this.route,
      feature: feature && FEATURE.test(feature) ? feature : undefined,
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

  /** The W3C trace context for the providers: the caller's trace (or a new one), a span of ours. */
  get traceparent(): string {
    this.childTraceparent ??= childTraceparent(this.request.headers[REQUEST_HEADERS.traceparent]);
    return this.childTraceparent;
  }

  /** The failover search's attempts and failovers, counted into the record as they happen. */
  readonly failoverEvents: FailoverEvents = {
    attempt: () => {
      this.trace.attempts++;
    },
    failover: () => {
      this.trace.failovers++;
    },
  };
}
