import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { JobWorker, WorkOutcome } from '../core/jobs/worker';

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
 * The SQS event source mapping's handler: every record through the worker, with Powertools'
 * partial batch response, so that only the records that failed are delivered again (the mapping
 * has `ReportBatchItemFailures`). A record fails by throwing `RetryJobError`; throttled jobs are
 * not failures (the worker re-queued them with a delay).
 */
export function jobsWorkerHandler(
  options: JobsWorkerHandlerOptions,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  let context: Context | undefined;
  let worker: Promise<JobWorker> | undefined;
  const remainingMs = () => context?.getRemainingTimeInMillis() ?? 60_000;
  return async (event, invocation) => {
    context = invocation;
    worker ??= options.worker(remainingMs).catch((error) => {
      worker = undefined; // built again on the next batch rather than failing forever
      throw error;
    });
    const ready = await worker;
    const record = async (item: SQSRecord) => {
      try {
        options.onOutcome?.(
          await ready.process({ body: item.body, receiveCount: Number(item.attributes.ApproximateReceiveCount) || 1 }),
        );
      } catch (error) {
        options.onRetry?.(error, item);
        throw error;
      }
    };
    // Every record failed is still a partial response (all ids), never a thrown invocation error.
    return processPartialResponse(event, record, processor, { context: invocation, throwOnFullBatchFailure: false });
  };
}
