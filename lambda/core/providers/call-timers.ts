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
  const firstByte = new AbortController();
  const total = new AbortController();
  const firstByteTimer = setTimeout(() => firstByte.abort(), deployment.timeouts.firstByteMs);
  const totalTimer = setTimeout(() => total.abort(), deployment.timeouts.totalMs);
  return {
    signal: AbortSignal.any([context.signal, firstByte.signal, total.signal]),
    firstByteArrived: () => clearTimeout(firstByteTimer),
    dispose: () => {
      clearTimeout(firstByteTimer);
      clearTimeout(totalTimer);
    },
    classify(error: unknown): Error {
      if (error instanceof UpstreamError || error instanceof ClientAbortedError) return error;
      if (context.signal.aborted) return new ClientAbortedError();
      if (firstByte.signal.aborted) {
        return new UpstreamError(
          'timeout',
          `no first byte from ${deploymentId} within ${deployment.timeouts.firstByteMs} ms`,
          {
            deployment: deploymentId,
          },
        );
      }
      if (total.signal.aborted) {
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
