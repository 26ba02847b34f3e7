import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { JobWorker, WorkOutcome } from '../core/jobs/worker';
import { sqsBatchHandler } from '../adapters/sqs-batch';

export interface JobsWorkerHandlerOptions {
  /**
   * The worker, built once per execution environment; `remainingMs` is the current invocation's
   * time left (the idempotency lock lasts no longer).
   */
  readonly worker: (remainingMs: () => number) => Promise<JobWorker>;
  /** Each record's outcome (logs and metrics). */
  readonly onOutcome?: (outcome: WorkOutcome) => void;
  /** Each record the queue will deliver again. */
  readonly onRetry?: (error: unknown, record: SQSRecord) => void;
}

/**
 * The jobs queue's handler: every record through the worker, with a partial batch response. A
 * record fails by throwing `RetryJobError`; throttled jobs are not failures (the worker re-queued
 * them with a delay).
 */
export function jobsWorkerHandler(
  options: JobsWorkerHandlerOptions,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return sqsBatchHandler({
    ...options,
    process: (worker, item) =>
      worker.process({ body: item.body, receiveCount: Number(item.attributes.ApproximateReceiveCount) || 1 }),
  });
}
