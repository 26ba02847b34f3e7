import {
  ExponentialBackoff,
  handleWhen,
  retry,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import { GatewayError } from '../http/errors';
import { UpstreamError } from '../providers/upstream-error';
import { redactText } from '../telemetry/redact';
import type { BreakerPermit, BreakerStore } from './breaker';

export interface RetrySettings {
  /** Attempts per deployment, the first included. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** `failover`: a timeout moves on to the next deployment; `retry`: it is retried like the rest. */
  readonly onTimeout: 'failover' | 'retry';
}

/** Jittered exponential backoff that waits at least as long as the provider's Retry-After. */
class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(private readonly inner: IBackoffFactory<unknown>) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const base = this.inner.next(context);
    const error = 'error' in context.result ? context.result.error : undefined;
    const retryAfterMs = error instanceof UpstreamError ? (error.options.retryAfterMs ?? 0) : 0;
    return { duration: Math.max(base.duration, retryAfterMs), next: (ctx) => new RetryAfterBackoff(base).next(ctx) };
  }
}

export interface Attempted<T> {
  readonly value: T;
  readonly deploymentId: string;
  /** Upstream calls made, across all deployments. */
  readonly attempts: number;
  /** Deployments given up on before the one that answered. */
  readonly failovers: number;
}

/**
 * What a failover search reports as it goes, in the manner of cockatiel's `onRetry` / `onBreak`:
 * telemetry and the call's record subscribe; the search itself keeps no account for anyone.
 */
export interface FailoverEvents {
  /** An upstream call is about to be made (`attempt` counts from 1 on each deployment). */
  readonly attempt?: (event: {
    readonly deploymentId: string;
    readonly attempt: number;
    readonly probe: boolean;
  }) => void;
  /** A failed attempt will be made again on the same deployment after `delayMs`. */
  readonly retry?: (event: {
    readonly deploymentId: string;
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: UpstreamError;
  }) => void;
  /** The search moves on from `from` (given up on, or refused by its breaker) to `to`. */
  readonly failover?: (event: { readonly from: string; readonly to: string }) => void;
  /** A failure counted against the deployment opened its breaker. */
  readonly breakerOpened?: (event: { readonly deploymentId: string }) => void;
  /** This call is the deployment's single half-open probe. */
  readonly probe?: (event: { readonly deploymentId: string }) => void;
}

/**
 * A breaker permit asked for before it is known whether the call will be made, so that the question
 * travels to Redis with the request's other reads (one auto-pipelined round trip) instead of after
 * them. Used by the first `callWithFailover` that asks for this deployment; otherwise `discard` it,
 * which frees a half-open probe slot it may hold.
 */
export class PrefetchedPermit {
  private used = false;
  private readonly permit: Promise<BreakerPermit> | undefined;

  constructor(
    private readonly breaker: BreakerStore,
    readonly deploymentId: string | undefined,
  ) {
    this.permit = deploymentId === undefined ? undefined : acquire(breaker, deploymentId);
  }

  take(deploymentId: string): Promise<BreakerPermit> | undefined {
    if (this.used || !this.permit || deploymentId !== this.deploymentId) return undefined;
    this.used = true;
    return this.permit;
  }

  async discard(): Promise<void> {
    if (this.used || !this.permit) return;
    this.used = true;
    const permit = await this.permit;
    if (permit.probe) await record(() => this.breaker.release(this.deploymentId!, permit));
  }
}

export interface FailoverOptions<T> {
  /** Deployment ids, in the order to try them. */
  readonly deployments: readonly string[];
  readonly breaker: BreakerStore;
  readonly retry: RetrySettings;
  /** One upstream call to a deployment. */
  readonly attempt: (deploymentId: string) => Promise<T>;
  /** The first deployment's permit, asked for with the call's other reads. */
  readonly prefetched?: PrefetchedPermit;
  readonly events?: FailoverEvents;
  /**
   * The answer is not whole when `attempt` returns (a stream's first chunk): its outcome is left to
   * the caller, who settles the deployment's breaker through `Attempted.breaker` when it knows.
   */
  readonly settleLater?: boolean;
}

/** The breaker outcome of an answer that was still arriving when the search ended (a stream). */
export interface BreakerSettlement {
  /** It arrived whole. */
  succeeded(): Promise<void>;
  /** It broke off: counted against the deployment when the failure is the deployment's. */
  failed(error: unknown): Promise<void>;
  /** Nobody waits for it any more (the client left): a probe's slot is freed, nothing is counted. */
  released(): Promise<void>;
}

/**
 * Calls deployments in order. On each: ask its breaker, retry retryable failures with backoff
 * (asking the breaker again before each retry; a half-open probe gets one attempt), record the
 * outcome in the breaker, and move on to the next deployment when it is exhausted. Errors that are
 * the request's own fault end the search at once.
 */
export async function callWithFailover<T>(
  options: FailoverOptions<T>,
): Promise<Attempted<T> & { breaker: BreakerSettlement }> {
  const { deployments, breaker, events = {} } = options;
  const errors: UpstreamError[] = [];
  const counts = { attempts: 0 };
  for (const [index, deploymentId] of deployments.entries()) {
    if (index > 0) events.failover?.({ from: deployments[index - 1], to: deploymentId });
    const permit = await (options.prefetched?.take(deploymentId) ?? acquire(breaker, deploymentId));
    if (!permit.allowed) {
      errors.push(refusedByBreaker(deploymentId, permit));
      continue;
    }
    if (permit.probe) events.probe?.({ deploymentId });
    const outcome = await onDeployment(options, deploymentId, permit, counts);
    if (outcome.answered) {
      const { value, permit: last } = outcome;
      const settlement = breakerSettlement(breaker, deploymentId, last, events);
      if (!options.settleLater) await settlement.succeeded();
      return { value, deploymentId, attempts: counts.attempts, failovers: index, breaker: settlement };
    }
    errors.push(outcome.error);
  }
  throw exhausted(errors);
}

type DeploymentOutcome<T> =
  | { readonly answered: true; readonly value: T; readonly permit: BreakerPermit }
  | { readonly answered: false; readonly error: UpstreamError };

/**
 * The attempts on one deployment: the first with `first`, each retry with a permit asked for again
 * (a breaker that opened meanwhile stops the retries: the search moves on).
 */
async function onDeployment<T>(
  options: FailoverOptions<T>,
  deploymentId: string,
  first: BreakerPermit,
  counts: { attempts: number },
): Promise<DeploymentOutcome<T>> {
  const { breaker, events = {} } = options;
  const policy = retryPolicy(options.retry, first.probe);
  const listener = policy.onRetry((reason) => {
    if ('error' in reason && reason.error instanceof UpstreamError) {
      events.retry?.({ deploymentId, attempt: reason.attempt, delayMs: reason.delay, error: reason.error });
    }
  });
  let permit = first;
  let attempt = 0;
  try {
    const value = await policy.execute(async () => {
      if (++attempt > 1) {
        permit = await acquire(breaker, deploymentId);
        if (!permit.allowed) throw refusedByBreaker(deploymentId, permit);
      }
      counts.attempts++;
      events.attempt?.({ deploymentId, attempt, probe: permit.probe });
      try {
        return await options.attempt(deploymentId);
      } catch (error) {
        await countFailure(breaker, deploymentId, permit, error, events);
        throw error;
      }
    });
    return { answered: true, value, permit };
  } catch (error) {
    if (!(error instanceof UpstreamError) || error instanceof BreakerRefusal) {
      if (!(error instanceof UpstreamError)) throw error;
      return { answered: false, error };
    }
    if (!error.failover) {
      // The deployment is healthy; the request is not. The probe slot is released by the success.
      await record(() => breaker.recordSuccess(deploymentId, permit));
      throw rejectedRequest(error);
    }
    return { answered: false, error };
  } finally {
    listener.dispose();
  }
}

/** An attempt's failure, in the breaker: counted when it is the deployment's, a probe's slot freed otherwise. */
async function countFailure(
  breaker: BreakerStore,
  deploymentId: string,
  permit: BreakerPermit,
  error: unknown,
  events: FailoverEvents,
): Promise<void> {
  if (error instanceof UpstreamError && error.countsAgainstBreaker) {
    const opened = await record(() => breaker.recordFailure(deploymentId, permit));
    if (opened) events.breakerOpened?.({ deploymentId });
  } else if (permit.probe && !(error instanceof UpstreamError && !error.failover)) {
    // The deployment was not judged (a client that left, an input it cannot take, a bug): the next
    // caller may probe at once rather than after the probe's timeout.
    await record(() => breaker.release(deploymentId, permit));
  }
}

function breakerSettlement(
  breaker: BreakerStore,
  deploymentId: string,
  permit: BreakerPermit,
  events: FailoverEvents,
): BreakerSettlement {
  let settled = false;
  const once = async (settle: () => Promise<void>) => {
    if (settled) return;
    settled = true;
    await settle();
  };
  return {
    succeeded: () => once(() => record(() => breaker.recordSuccess(deploymentId, permit)).then(() => undefined)),
    failed: (error) => once(() => countFailure(breaker, deploymentId, permit, error, events)),
    released: () =>
      once(async () => {
        if (permit.probe) await record(() => breaker.release(deploymentId, permit));
      }),
  };
}

/** A deployment its breaker refused: not tried, and not retried. */
class BreakerRefusal extends UpstreamError {}

function refusedByBreaker(deploymentId: string, permit: BreakerPermit): UpstreamError {
  return new BreakerRefusal('breaker_open', `${deploymentId} is unavailable (circuit open)`, {
    deployment: deploymentId,
    retryAfterMs: permit.retryAfterMs,
  });
}

function rejectedRequest(error: UpstreamError): GatewayError {
  const why = error.options.clientDetail;
  return new GatewayError(
    400,
    'invalid_request_error',
    why ? `The provider rejected the request: ${shown(why)}` : 'The provider rejected the request as invalid.',
    { code: 'upstream_rejected_request', cause: error, detail: error.message },
  );
}

/**
 * Retries on one deployment. A Retry-After longer than we are willing to wait is a reason to fail
 * over, not to sleep; so is a timeout, unless `onTimeout` is `retry`.
 */
function retryPolicy(settings: RetrySettings, probe: boolean) {
  return retry(
    handleWhen(
      (error) =>
        error instanceof UpstreamError &&
        error.retryable &&
        (error.options.retryAfterMs ?? 0) <= settings.maxDelayMs &&
        !(error.failure === 'timeout' && settings.onTimeout === 'failover'),
    ),
    {
      maxAttempts: probe ? 0 : settings.maxAttempts - 1,
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({ initialDelay: settings.initialDelayMs, maxDelay: settings.maxDelayMs }),
      ),
    },
  );
}

/** A breaker store that cannot be reached must not take the gateway down with it. */
async function acquire(breaker: BreakerStore, deploymentId: string): Promise<BreakerPermit> {
  try {
    return await breaker.acquire(deploymentId);
  } catch {
    return { allowed: true, probe: false, retryAfterMs: 0, failures: 0 };
  }
}

async function record<R>(write: () => Promise<R>): Promise<R | undefined> {
  try {
    return await write();
  } catch {
    // Losing one breaker update is better than failing a call that succeeded.
    return undefined;
  }
}

/** A provider's words as the client may see them: redacted, and short. */
function shown(text: string): string {
  const redacted = redactText(text);
  return redacted.length > 300 ? `${redacted.slice(0, 300)}…` : redacted;
}

/**
 * What the client sees once every deployment has failed: a stable message for each code. Which
 * deployments failed and what their providers said goes to the log under the request id (`detail`),
 * never to the client: it names internal deployments, and a provider's words can echo our
 * credential ("Incorrect API key provided: sk-...").
 */
export function exhausted(errors: readonly UpstreamError[]): GatewayError {
  const detail = errors.map((e) => e.message).join('; ');
  const retryAfter = (kind: UpstreamError['failure']) => {
    const waits = errors.filter((e) => e.failure === kind).map((e) => e.options.retryAfterMs ?? 1000);
    return Math.max(1, Math.ceil(Math.min(...waits) / 1000));
  };
  const last = errors[errors.length - 1];
  if (errors.length > 0 && errors.every((e) => e.failure === 'unsupported')) {
    // Our own reasons (what a provider cannot express), about the client's input: shown, once each.
    const reasons = [...new Set(errors.map((e) => e.options.clientDetail).filter(Boolean))].join('; ');
    return new GatewayError(
      400,
      'invalid_request_error',
      `No deployment of this model can take the request${reasons ? `: ${shown(reasons)}` : '.'}`,
      { code: 'unsupported_request', detail },
    );
  }
  if (errors.every((e) => e.failure === 'breaker_open')) {
    const seconds = retryAfter('breaker_open');
    return new GatewayError(503, 'upstream_error', `The model is unavailable; retry after ${seconds} s.`, {
      code: 'deployments_unavailable',
      retryAfterSeconds: seconds,
      detail,
    });
  }
  if (errors.every((e) => e.failure === 'rate_limited' || e.failure === 'breaker_open')) {
    const seconds = retryAfter('rate_limited');
    return new GatewayError(429, 'rate_limit_error', `The model is rate limited upstream; retry after ${seconds} s.`, {
      code: 'upstream_rate_limited',
      retryAfterSeconds: seconds,
      detail,
    });
  }
  if (last?.failure === 'timeout') {
    return new GatewayError(504, 'timeout_error', 'The model did not answer in time.', {
      code: 'upstream_timeout',
      detail,
    });
  }
  return new GatewayError(502, 'upstream_error', "The model's providers failed to answer.", {
    code: 'upstream_failed',
    detail,
  });
}
