/**
 * What went wrong upstream, classified once so that retry, failover and the client's status follow
 * from the class rather than from provider-specific checks.
 */
export type UpstreamFailure =
  /** 429 or 409/408: back off (honouring Retry-After), retry, then fail over. */
  | 'rate_limited'
  /** 5xx: retry, then fail over. */
  | 'server'
  /** No first byte, or no complete answer, in time. */
  | 'timeout'
  /** Connection refused or reset, DNS: retry, then fail over. */
  | 'connection'
  /** Our credential was refused (401/403): do not retry, fail over. */
  | 'credential'
  /** The provider rejected the request itself (400/404/413/422): the client's problem, no failover. */
  | 'invalid_request'
  /** The provider answered something we could not read: retry, then fail over. */
  | 'malformed'
  /** The deployment's breaker is open: fail over without calling it. */
  | 'breaker_open'
  /**
   * This deployment cannot express the request (an image URL for a provider that takes only image
   * bytes, a content type it lacks): fail over without calling it; never counted against its
   * breaker, since the client chose the input. When no deployment can take it, the client gets a 400.
   */
  | 'unsupported';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    readonly options: {
      status?: number;
      retryAfterMs?: number;
      deployment?: string;
      cause?: unknown;
      /**
       * What the client may be told about its own request, without deployment ids: the provider's
       * validation message for an `invalid_request`, the reason for an `unsupported` one.
       */
      clientDetail?: string;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UpstreamError';
  }

  /** Worth another attempt on the same deployment. */
  get retryable(): boolean {
    return (
      this.failure === 'rate_limited' ||
      this.failure === 'server' ||
      this.failure === 'timeout' ||
      this.failure === 'connection' ||
      this.failure === 'malformed'
    );
  }

  /** Worth trying the next deployment once this one is exhausted. */
  get failover(): boolean {
    return this.failure !== 'invalid_request';
  }

  /** Counts against the deployment's circuit breaker. */
  get countsAgainstBreaker(): boolean {
    return this.failure !== 'invalid_request' && this.failure !== 'breaker_open' && this.failure !== 'unsupported';
  }
}

/**
 * Runs a provider's request transform. Whatever it throws means the deployment cannot express this
 * request (the client chose the input): an `unsupported` failure, never a crash of the call.
 */
export function translateRequest<T>(deployment: string, translate: () => T): T {
  try {
    return translate();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError('unsupported', `${deployment} cannot take this request: ${(error as Error).message}`, {
      deployment,
      cause: error,
      clientDetail: (error as Error).message,
    });
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * A provider's error message the client may see: only where it is about the client's own request
 * (400, 413, 422: a parameter out of range, a prompt too long). A 404 names the upstream model we
 * configured, a 401 or 403 our credential: those stay in the log.
 */
export function clientDetailFor(status: number, message: string | undefined): string | undefined {
  return status === 400 || status === 413 || status === 422 ? message : undefined;
}

export function failureForStatus(status: number): UpstreamFailure {
  // Redirects are never followed: the configured URL is the only place the gateway connects to.
  if (status < 400) return 'malformed';
  if (status === 429 || status === 408 || status === 409) return 'rate_limited';
  if (status === 401 || status === 403) return 'credential';
  if (status >= 500) return 'server';
  return 'invalid_request';
}
