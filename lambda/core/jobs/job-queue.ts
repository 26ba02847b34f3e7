import { isJobId } from './job';

/** What travels on the queue: the job's id only; the request and the owner stay in the store. */
export interface JobMessage {
  readonly jobId: string;
}

/** SQS caps a message's delay at 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/** Where submitted (and deferred) jobs wait for a worker. */
export interface JobQueue {
  /** Enqueues the job, visible to workers after `delaySeconds` (0 to 900). */
  send(message: JobMessage, delaySeconds?: number): Promise<void>;
}

export function encodeJobMessage(message: JobMessage): string {
  return JSON.stringify({ jobId: message.jobId });
}

/** The message, or undefined for a body that is not one of ours (a poison message). */
export function decodeJobMessage(body: string): JobMessage | undefined {
  try {
    const parsed = JSON.parse(body) as { jobId?: unknown };
    return isJobId(parsed?.jobId) ? { jobId: parsed.jobId } : undefined;
  } catch {
    return undefined;
  }
}

export function clampDelay(seconds: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)));
}
