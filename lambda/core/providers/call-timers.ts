import type { CallContext } from './provider';
import { UpstreamError } from './upstream-error';

/** Raised when the client went away: nothing to retry, nobody to answer. */
export class ClientAbortedError extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientAbortedError';
  }
}

export interface CallTimers {
  /** Aborts on client disconnect, on the first-byte timeout and on the total timeout. */
  readonly signal: AbortSignal;
  /** Call once the first byte (headers, or the first stream event) has arrived. */
  firstByteArrived(): void;
  /**
   * Call on every stream event: the first is the first byte, and from then on a stream that sends
   * nothing for the deployment's `idleMs` is cut (a stall after the first token).
   */
  eventArrived(): void;
  /** Maps whatever a transport threw to the right error class, knowing which timer fired. */
  classify(error: unknown): Error;
  dispose(): void;
}

/**
 * The first-byte and total timeouts of one upstream call, shared by every transport (fetch, the
 * AWS SDK) so that a timeout means the same everywhere.
 */
export function startCallTimers(context: CallContext): CallTimers {
  const { deployment, deploymentId } = context;
  // One controller aborted by whichever comes first (AbortSignal.any is markedly slower on Node 20,
  // and this runs on every call).
  const call = new AbortController();
  let fired: 'client' | 'first-byte' | 'idle' | 'total' | undefined;
  const abort = (reason: typeof fired) => {
    fired ??= reason;
    call.abort();
  };
  const onClientAbort = () => abort('client');
  if (context.signal.aborted) abort('client');
  else context.signal.addEventListener('abort', onClientAbort, { once: true });
  const firstByteTimer = setTimeout(() => abort('first-byte'), deployment.timeouts.firstByteMs);
  const totalTimer = setTimeout(() => abort('total'), deployment.timeouts.totalMs);
  // One idle timer, pushed back on each event (refresh() re-arms it without a new timer object).
  let idleTimer: NodeJS.Timeout | undefined;
  return {
    signal: call.signal,
    firstByteArrived: () => clearTimeout(firstByteTimer),
    eventArrived: () => {
      if (idleTimer) {
        idleTimer.refresh();
        return;
      }
      clearTimeout(firstByteTimer);
      idleTimer = setTimeout(() => abort('idle'), deployment.timeouts.idleMs);
    },
    dispose: () => {
      clearTimeout(firstByteTimer);
      clearTimeout(totalTimer);
      clearTimeout(idleTimer);
      context.signal.removeEventListener('abort', onClientAbort);
    },
    classify(error: unknown): Error {
      if (error instanceof UpstreamError || error instanceof ClientAbortedError) return error;
      if (fired === 'client' || context.signal.aborted) return new ClientAbortedError();
      if (fired === 'first-byte') {
        return new UpstreamError(
          'timeout',
          `no first byte from ${deploymentId} within ${deployment.timeouts.firstByteMs} ms`,
          {
            deployment: deploymentId,
          },
        );
      }
      if (fired === 'idle') {
        return new UpstreamError(
          'timeout',
          `${deploymentId} sent nothing for ${deployment.timeouts.idleMs} ms in the middle of its stream`,
          { deployment: deploymentId },
        );
      }
      if (fired === 'total') {
        return new UpstreamError('timeout', `${deploymentId} did not finish within ${deployment.timeouts.totalMs} ms`, {
          deployment: deploymentId,
        });
      }
      const cause = (error as { cause?: { code?: string } }).cause;
      return new UpstreamError(
        'connection',
        `connection to ${deploymentId} failed: ${cause?.code ?? (error as Error).message}`,
        {
          deployment: deploymentId,
          cause: error,
        },
      );
    },
  };
}
