/** Headers the gateway reads from a client's request (names in lower case, as Node gives them). */
export const REQUEST_HEADERS = {
  authorization: 'authorization',
  /** The caller's id for the request; echoed back, and sent to providers. One is made when absent. */
  requestId: 'x-request-id',
  /** Which feature of the caller's application this is: a dimension of limits, budgets and metrics. */
  feature: 'x-llm-feature',
  /** W3C trace context, continued to the providers. */
  traceparent: 'traceparent',
  /** `no-store` keeps a request out of the answer caches. */
  cacheControl: 'cache-control',
} as const;

/** Headers the gateway adds to its answers. */
export const RESPONSE_HEADERS = {
  requestId: 'x-request-id',
  /** How the model was chosen (the router's tier, reason and confidence, or the route's reason). */
  route: 'x-llm-route',
  /** `hit` when the answer came from a cache. */
  cache: 'x-llm-cache',
  /** Seconds to wait before retrying a 429 or 503. */
  retryAfter: 'retry-after',
  /**
   * `false` on a refusal that no retry within an SDK's backoff can turn into an answer (a spent
   * budget, a limit that refills in more than a minute): the OpenAI SDKs read it and stop retrying.
   */
  shouldRetry: 'x-should-retry',
} as const;
