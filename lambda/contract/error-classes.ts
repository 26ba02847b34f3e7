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
