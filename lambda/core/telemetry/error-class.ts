import { type ErrorClass } from '../../contract/error-classes';
import type { TraceRecord } from '../trace/record';

const BY_CODE: Readonly<Record<string, ErrorClass>> = {
  invalid_api_key: 'auth',
  model_not_allowed: 'auth',
  tokens_rate_limited: 'rate_limited',
  rate_limit_exceeded: 'rate_limited',
  insufficient_quota: 'budget',
  kill_switch: 'kill_switch',
  client_closed_request: 'client_aborted',
  upstream_rejected_request: 'upstream_rejected',
  limits_unavailable: 'limits_unavailable',
  upstream_rate_limited: 'upstream_rate_limited',
  deployments_unavailable: 'upstream_unavailable',
  upstream_timeout: 'upstream_timeout',
  upstream_failed: 'upstream_error',
  stream_interrupted: 'upstream_error',
  internal_error: 'internal',
};

/** The class of a call that did not succeed; undefined for a success. */
export function errorClassOf(trace: Pick<TraceRecord, 'outcome' | 'status' | 'errorCode'>): ErrorClass | undefined {
  if (trace.outcome === 'success') return undefined;
  if (trace.outcome === 'client_aborted') return 'client_aborted';
  const byCode = trace.errorCode ? BY_CODE[trace.errorCode] : undefined;
  if (byCode) return byCode;
  // Codes added later still land in a sensible class by their status.
  if (trace.status === 401 || trace.status === 403) return 'auth';
  if (trace.status === 429) return trace.outcome === 'upstream_error' ? 'upstream_rate_limited' : 'rate_limited';
  if (trace.status === 504) return 'upstream_timeout';
  if (trace.status >= 500) return trace.outcome === 'upstream_error' ? 'upstream_error' : 'internal';
  return 'validation';
}
