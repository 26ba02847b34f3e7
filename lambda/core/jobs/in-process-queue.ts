import { clampDelay, encodeJobMessage, type JobMessage, type JobQueue } from './job-queue';
import { RetryJobError, type JobWorker } from './worker';

/**
 * The local server's queue: messages run in this process after their delay, with SQS's retry
 * semantics in small (a failed delivery is tried again after `retryDelayMs`, up to
 * `maxReceiveCount` receives, then kept in `deadLetters`). Not durable: a restart loses it.
 */
export class InProcessJobQueue implements JobQueue {
  readonly deadLetters: string[] = [];
  private worker?: JobWorker;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: { maxReceiveCount: number; retryDelayMs: number }) {}

  attach(worker: JobWorker): void {
    this.worker = worker;
  }

  async send(message: JobMessage, delaySeconds = 0): Promise<void> {
    this.schedule(encodeJobMessage(message), 1, clampDelay(delaySeconds) * 1000);
  }

  /** Stops every pending delivery. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(body: string, receiveCount: number, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(body, receiveCount);
    }, delayMs);
    this.timers.add(timer);
  }

  private async deliver(body: string, receiveCount: number): Promise<void> {
    if (!this.worker) throw new Error('InProcessJobQueue: attach a worker before sending');
    try {
      await this.worker.process({ body, receiveCount });
    } catch (error) {
      if (!(error instanceof RetryJobError)) throw error;
      if (receiveCount >= this.options.maxReceiveCount) this.deadLetters.push(body);
      else this.schedule(body, receiveCount + 1, this.options.retryDelayMs);
    }
  }
}
