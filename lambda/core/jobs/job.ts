import { randomUUID } from 'node:crypto';
import type { JobEndpoint } from '../../contract/routes';
import type { CallerIdentity } from '../http/types';

/** queued -> running -> succeeded | failed; a throttled or retried job goes back to queued. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobError {
  /** The gateway's HTTP status for the call, or 500 for the worker's own failures. */
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly message: string;
}

export interface Job {
  readonly id: string;
  /** Who submitted it: the worker calls the gateway as this caller, with this caller's limits. */
  readonly owner: CallerIdentity;
  readonly endpoint: JobEndpoint;
  /** The request body, exactly as the synchronous endpoint takes it (never streamed). */
  readonly request: Record<string, unknown>;
  readonly webhookUrl?: string;
  readonly status: JobStatus;
  /** How many times a worker has started it. */
  readonly attempts: number;
  /** The endpoint's JSON answer, once succeeded. */
  readonly result?: unknown;
  readonly error?: JobError;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly completedAt?: Date;
  /** After this the job is neither run nor shown. */
  readonly expiresAt: Date;
}

export type NewJob = Pick<Job, 'id' | 'owner' | 'endpoint' | 'request' | 'webhookUrl' | 'expiresAt'>;

export function newJobId(): string {
  return `job_${randomUUID().replace(/-/g, '')}`;
}

const JOB_ID = /^job_[0-9a-f]{32}$/;
export const isJobId = (value: unknown): value is string => typeof value === 'string' && JOB_ID.test(value);

/** A job as the API shows it to its owner (snake_case, like OpenAI's objects). */
export function jobView(job: Job): Record<string, unknown> {
  const seconds = (date: Date | undefined) => (date ? Math.floor(date.getTime() / 1000) : null);
  return {
    id: job.id,
    object: 'job',
    endpoint: job.endpoint,
    status: job.status,
    attempts: job.attempts,
    created_at: seconds(job.createdAt),
    completed_at: seconds(job.completedAt),
    expires_at: seconds(job.expiresAt),
    webhook_url: job.webhookUrl ?? null,
    result: job.result ?? null,
    error: job.error ?? null,
  };
}
