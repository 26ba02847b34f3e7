/**
 * What travels on the queue: which version of which collection to build. The settings of the
 * version and the documents stay in the database, so a message is small and replaying it is safe.
 */
export interface ReindexMessage {
  readonly tenant: string;
  readonly collection: string;
  readonly version: number;
}

/** Where re-index work waits for a worker (SQS when deployed; in-process locally and in tests). */
export interface ReindexQueue {
  send(message: ReindexMessage): Promise<void>;
}

export function encodeReindexMessage(message: ReindexMessage): string {
  return JSON.stringify({ tenant: message.tenant, collection: message.collection, version: message.version });
}

/** The message, or undefined for a body that is not one of ours (a poison message). */
export function decodeReindexMessage(body: string): ReindexMessage | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<Record<keyof ReindexMessage, unknown>>;
    const { tenant, collection, version } = parsed ?? {};
    if (typeof tenant !== 'string' || tenant === '' || typeof collection !== 'string' || collection === '') {
      return undefined;
    }
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return undefined;
    return { tenant, collection, version };
  } catch {
    return undefined;
  }
}

/**
 * The local server's and the tests' queue: each message runs in this process, in the background,
 * through the handler given to `attach`. `idle()` resolves when every run so far has finished.
 * Not durable, no retries: a failed run is kept in `failures` (and the version stays `building`).
 */
export class InProcessReindexQueue implements ReindexQueue {
  readonly failures: Array<{ message: ReindexMessage; error: unknown }> = [];
  private handler?: (message: ReindexMessage) => Promise<unknown>;
  private readonly running = new Set<Promise<void>>();

  attach(handler: (message: ReindexMessage) => Promise<unknown>): void {
    this.handler = handler;
  }

  async send(message: ReindexMessage): Promise<void> {
    const handler = this.handler;
    if (!handler) throw new Error('InProcessReindexQueue: attach a handler before sending');
    // Through the wire format, so the in-process path checks what the SQS one will carry.
    const decoded = decodeReindexMessage(encodeReindexMessage(message));
    if (!decoded) throw new Error(`InProcessReindexQueue: not a re-index message: ${JSON.stringify(message)}`);
    const run = (async () => {
      await Promise.resolve(); // the sender's answer first: the work is in the background
      try {
        await handler(decoded);
      } catch (error) {
        this.failures.push({ message: decoded, error });
      }
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
