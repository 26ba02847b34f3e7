import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { buildOnce } from './build-once';

export interface SqsBatchHandlerOptions<W, O> {
  /**
   * What processes the records, built once per execution environment (and again after a failed
   * build); `remainingMs` is the current invocation's time left.
   */
  readonly worker: (remainingMs: () => number) => Promise<W>;
  /** One record: resolves with its outcome, or throws for a record the queue should deliver again. */
  readonly process: (worker: W, record: SQSRecord) => Promise<O>;
  /** Each record's outcome (logs). */
  readonly onOutcome?: (outcome: O) => void;
  /** Each record the queue will deliver again. */
  readonly onRetry?: (error: unknown, record: SQSRecord) => void;
}

/**
 * An SQS event source mapping's handler with Powertools' partial batch response: only the records
 * that threw are delivered again (the mapping has `ReportBatchItemFailures`), and past the queue's
 * maxReceiveCount they move to its dead-letter queue.
 */
export function sqsBatchHandler<W, O>(
  options: SqsBatchHandlerOptions<W, O>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  let context: Context | undefined;
  const remainingMs = () => context?.getRemainingTimeInMillis() ?? 60_000;
  const worker = buildOnce(() => options.worker(remainingMs));
  return async (event, invocation) => {
    context = invocation;
    const ready = await worker();
    const record = async (item: SQSRecord) => {
      try {
        // Not `onOutcome?.(await ...)`: without an onOutcome that would skip the work itself.
        const outcome = await options.process(ready, item);
        options.onOutcome?.(outcome);
      } catch (error) {
        options.onRetry?.(error, item);
        throw error;
      }
    };
    // Every record failed is still a partial response (all ids), never a thrown invocation error.
    return processPartialResponse(event, record, processor, { context: invocation, throwOnFullBatchFailure: false });
  };
}
