import type { ProviderKind } from '../../contract/config/gateway-config';
import { ClientAbortedError } from '../providers/call-timers';
import type { CallContext, ProviderClient } from '../providers/provider';
import { UpstreamError } from '../providers/upstream-error';
import type { MetricWriter } from './emf';
import { traceparentWithParent, type StepTracer } from './spans';

export interface ProviderInstrumentationSinks {
  readonly steps: StepTracer;
  readonly metrics: MetricWriter;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
}

/** How a failed attempt counts on its span: the client gone, the request refused, or a fault. */
function upstreamKind(error: unknown): 'fault' | 'error' | 'throttle' {
  if (error instanceof ClientAbortedError) return 'error';
  if (!(error instanceof UpstreamError)) return 'fault';
  if (error.failure === 'rate_limited') return 'throttle';
  return error.failure === 'invalid_request' || error.failure === 'credential' ? 'error' : 'fault';
}

/** `Failure` dimension of a failed attempt: the upstream failure class, or `unknown`. */
function failureOf(error: unknown): string | undefined {
  if (error instanceof ClientAbortedError) return undefined;
  return error instanceof UpstreamError ? error.failure : 'unknown';
}

/**
 * Wraps provider clients: a span `provider:<deployment>` per attempt, whose id is the parent in
 * the `traceparent` the provider sends, and the attempt's metrics (attempts, retries, latency,
 * errors by failure). One instance per gateway: it tells a retry from a first attempt across the
 * providers of one call.
 */
export function providerInstrumentation(sinks: ProviderInstrumentationSinks) {
  const { steps, metrics, now } = sinks;
  // Deployments already attempted per call, to tell a retry from a first attempt. A call's
  // provider contexts share its abort signal, so the signal identifies the call.
  const attempted = new WeakMap<AbortSignal, Set<string>>();

  /** Opens an attempt's span and gives the provider a `traceparent` whose parent is that span. */
  function begin(kind: ProviderKind, context: CallContext) {
    const span = steps.start(`provider:${context.deploymentId}`);
    span.annotate('deployment', context.deploymentId);
    span.annotate('provider', kind);
    if (context.deployment.baseUrl) span.remote({ url: context.deployment.baseUrl, method: 'POST' });
    let seen = attempted.get(context.signal);
    if (!seen) attempted.set(context.signal, (seen = new Set()));
    const retry = seen.has(context.deploymentId);
    seen.add(context.deploymentId);
    if (retry) span.annotate('retry', true);
    const traced: CallContext = { ...context, traceparent: traceparentWithParent(context.traceparent, span.id) };
    const started = now();
    return {
      span,
      traced,
      /** The deployment answered (a whole body, or a stream's first chunk), or failed first. */
      answered() {
        metrics.emit(
          'provider',
          { Provider: kind, Deployment: context.deploymentId },
          { ProviderAttempts: 1, ProviderRetries: retry ? 1 : 0, ProviderLatency: now() - started },
        );
      },
      failed(error: unknown) {
        span.fail(error, upstreamKind(error));
        const failure = failureOf(error);
        if (!failure) return;
        span.annotate('failure', failure);
        metrics.emit(
          'providerError',
          { Provider: kind, Deployment: context.deploymentId, Failure: failure },
          { ProviderErrors: 1 },
        );
      },
    };
  }

  async function attempt<T>(kind: ProviderKind, context: CallContext, call: (context: CallContext) => Promise<T>) {
    const run = begin(kind, context);
    try {
      const value = await call(run.traced);
      run.answered();
      return value;
    } catch (error) {
      run.answered();
      run.failed(error);
      throw error;
    } finally {
      run.span.end();
    }
  }

  return (kind: ProviderKind, client: ProviderClient): ProviderClient => {
    const wrapped: ProviderClient = {
      complete: (request, context) => attempt(kind, context, (traced) => client.complete(request, traced)),
      async *stream(request, context) {
        const run = begin(kind, context);
        let first = true;
        try {
          for await (const chunk of client.stream(request, run.traced)) {
            if (first) {
              first = false;
              run.answered();
            }
            yield chunk;
          }
        } catch (error) {
          if (first) run.answered();
          run.failed(error);
          throw error;
        } finally {
          run.span.end();
        }
      },
    };
    if (client.embed) {
      const embed = client.embed.bind(client);
      wrapped.embed = (request, context) => attempt(kind, context, (traced) => embed(request, traced));
    }
    return wrapped;
  };
}
