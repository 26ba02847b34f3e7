import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { GatewayRequest, GatewayResponse } from '../http/types';
import type { Job, JobError } from './job';
import { clampDelay, decodeJobMessage, type JobQueue } from './job-queue';
import type { JobStore } from './job-store';
import type { WebhookDeliverer, WebhookDelivery } from './webhook';
import { REQUEST_HEADERS, RESPONSE_HEADERS } from '../../contract/headers';

/** One delivery of a queue message, as the worker needs it. */
export interface DeliveredMessage {
  readonly body: string;
  /** SQS's ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
}

export type WorkOutcome =
  | { readonly kind: 'succeeded' | 'failed'; readonly jobId: string; readonly webhook?: WebhookDelivery }
  /** Throttled (429): sent back to the queue with a delay; this message is done. */
  | { readonly kind: 'deferred'; readonly jobId: string; readonly delaySeconds: number }
  /** Already finished, expired or unknown, or running under another delivery. */
  | { readonly kind: 'duplicate'; readonly jobId: string };

/**
 * Thrown for a message the queue should deliver again (a transient failure) and, past the queue's
 * maxReceiveCount, move to the dead-letter queue (a poison message).
 */
export class RetryJobError extends Error {
  constructor(
    message: string,
    readonly jobId?: string,
  ) {
    super(message);
    this.name = 'RetryJobError';
  }
}

/** A throttled call, inside the once-per-job section: leaves no idempotency record behind. */
class DeferJobError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('throttled');
  }
}

/** Runs `fn` once per job id at a time (see idempotency.ts); identity when not deduplicating. */
export type OncePerJob = <R>(fn: (message: JobRun) => Promise<R>) => (message: JobRun) => Promise<R>;

/** The once-per-job section's argument: keyed by `jobId` alone. */
export interface JobRun {
  readonly jobId: string;
  readonly receiveCount: number;
}

export interface JobWorkerOptions {
  readonly store: JobStore;
  /** Where a throttled job goes back to, with a delay. */
  readonly queue: JobQueue;
  /** The gateway, in-process: the job is one more call through its whole pipeline. */
  readonly gateway: { handle(request: GatewayRequest): Promise<GatewayResponse> };
  readonly once: OncePerJob;
  /** The queue's maxReceiveCount: on that receive a transient failure fails the job. */
  readonly maxReceiveCount: number;
  readonly webhooks?: WebhookDeliverer;
  /** Jitter in [0, 1) added to throttling delays, so deferred jobs do not return in lockstep. */
  readonly random?: () => number;
}

/**
 * Runs queued jobs through the gateway as their owner, so the owner's token limits, budgets,
 * model permissions, caches, routing and failover apply exactly as to a synchronous call.
 *
 * - 2xx: the job succeeds with the answer; 4xx but 429: it fails with the error (retrying cannot help).
 * - 429 (the owner's token or budget limit, or every provider rate limited): the job goes back to
 *   the queue after the Retry-After the gateway gave, as a new message, and this one is done. A
 *   throttled job so never spends the receives that lead to the dead-letter queue.
 * - 5xx, or anything thrown: the message is retried; on its last receive the job is marked failed
 *   (`dead_lettered`) and the message moves to the DLQ, from where a redrive runs it again.
 * - a body that is not a job message: retried, then dead-lettered, untouched.
 */
export class JobWorker {
  private readonly run: (message: JobRun) => Promise<WorkOutcome>;
  private readonly random: () => number;

  constructor(private readonly options: JobWorkerOptions) {
    this.random = options.random ?? Math.random;
    this.run = options.once((message) => this.execute(message.jobId, message.receiveCount));
  }

  async process(message: DeliveredMessage): Promise<WorkOutcome> {
    const decoded = decodeJobMessage(message.body);
    if (!decoded) throw new RetryJobError('The message is not a job message ({"jobId":"job_..."})');
    const { jobId } = decoded;
    try {
      return await this.run({ jobId, receiveCount: message.receiveCount });
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) return { kind: 'duplicate', jobId };
      if (error instanceof DeferJobError) {
        const delaySeconds = clampDelay(error.retryAfterSeconds * (1 + 0.2 * this.random()));
        await this.options.queue.send({ jobId }, delaySeconds);
        return { kind: 'deferred', jobId, delaySeconds };
      }
      if (error instanceof RetryJobError) throw error;
      throw new RetryJobError(`Job ${jobId} failed: ${(error as Error).message}`, jobId);
    }
  }

  private async execute(jobId: string, receiveCount: number): Promise<WorkOutcome> {
    const { store } = this.options;
    const job = await store.claim(jobId);
    if (!job) return { kind: 'duplicate', jobId };
    let response: GatewayResponse;
    try {
      response = await this.options.gateway.handle(this.requestOf(job));
    } catch (error) {
      await store.release(jobId);
      throw error;
    }
    const body = response.kind === 'buffered' ? response.body : '';
    if (response.status < 300 && response.kind === 'buffered') {
      return this.finish('succeeded', await store.succeed(jobId, JSON.parse(body)), jobId);
    }
    const error = errorOf(response.status, body);
    if (response.status === 429) {
      await store.release(jobId);
      throw new DeferJobError(Number(response.headers[RESPONSE_HEADERS.retryAfter] ?? 1) || 1);
    }
    if (response.status >= 500 || response.status === 499) {
      if (receiveCount >= this.options.maxReceiveCount) {
        const failed = await store.fail(jobId, { ...error, code: 'dead_lettered' });
        await this.deliver(failed);
      } else {
        await store.release(jobId);
      }
      throw new RetryJobError(`Job ${jobId}: the gateway answered ${response.status} (${error.code})`, jobId);
    }
    return this.finish('failed', await store.fail(jobId, error), jobId);
  }

  private async finish(kind: 'succeeded' | 'failed', job: Job | undefined, jobId: string): Promise<WorkOutcome> {
    if (!job) return { kind: 'duplicate', jobId };
    return { kind, jobId, webhook: await this.deliver(job) };
  }

  private async deliver(job: Job | undefined): Promise<WebhookDelivery | undefined> {
    return job && this.options.webhooks ? this.options.webhooks.deliver(job) : undefined;
  }

  private requestOf(job: Job): GatewayRequest {
    return {
      method: 'POST',
      path: job.endpoint,
      headers: { 'content-type': 'application/json', [REQUEST_HEADERS.requestId]: job.id },
      body: Buffer.from(JSON.stringify(job.request)),
      signal: new AbortController().signal,
      identity: job.owner,
    };
  }
}

function errorOf(status: number, body: string): JobError {
  try {
    const { error } = JSON.parse(body) as { error: { type: string; code: string | null; message: string } };
    return { status, type: error.type, code: error.code, message: error.message };
  } catch {
    return { status, type: 'api_error', code: null, message: `The gateway answered ${status}.` };
  }
}
