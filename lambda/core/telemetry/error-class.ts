import type { TraceRecord } from '../trace/record';

/**
 * The closed list of error classes (the `ErrorClass` dimension). `fault` marks the classes that are
 * the platform's failure to serve a valid, admitted call; the error-rate alarm counts only those.
 * Refusals by policy (limits, budgets, the kill switch) and the client's own mistakes are errors
 * the platform meant to return, charted but not alarmed on.
 */
export const ERROR_CLASSES = {
  validation: { fault: false, description: 'The request was malformed, too large, or named an unknown model or URL.' },
  auth: { fault: false, description: 'No or a wrong API key, or a model the key may not use.' },
  rate_limited: { fault: false, description: "Refused by the gateway's token limits (429)." },
  budget: { fault: false, description: 'Refused because a budget is spent (429 insufficient_quota).' },
  kill_switch: { fault: false, description: 'Refused because the kill switch is on (503).' },
  client_aborted: { fault: false, description: 'The client went away before the answer was complete.' },
  upstream_rejected: { fault: false, description: 'The provider rejected the request as invalid (400).' },
  limits_unavailable: { fault: true, description: 'The limits store was down and the policy is fail-closed (503).' },
  upstream_rate_limited: { fault: true, description: 'Every deployment was rate limited by its provider (429).' },
  upstream_unavailable: { fault: true, description: "Every deployment's breaker was open (503)." },
  upstream_timeout: { fault: true, description: 'The model did not answer in time (504).' },
  upstream_error: { fault: true, description: 'The providers failed, or a stream broke off (502).' },
  internal: { fault: true, description: 'A bug in the gateway (500).' },
} as const satisfies Record<string, { fault: boolean; description: string }>;

export type ErrorClass = keyof typeof ERROR_CLASSES;

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
