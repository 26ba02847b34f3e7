import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { GatewayError } from '../http/errors';
import { RemoteUrlGuard, type HostResolver, systemResolver } from '../openai/remote-urls';
import { jobView, type Job } from './job';
import { AddressRefusedError, guardedWebhookPost, type WebhookPost } from './webhook-post';

/**
 * Webhooks in the Standard Webhooks scheme (standardwebhooks.com): `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`. Any Standard Webhooks library verifies them with the secret
 * `whsec_<secret>`; the timestamp bounds a replay to the tolerance window and the id, remembered by
 * the receiver for that window, closes it.
 */
export type WebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

/** A secret as Secrets Manager generates it (letters and digits) or already in `whsec_` form. */
function standardSecret(secret: string): string {
  if (secret.length < 24)
    throw new Error('The webhook signing secret must have at least 24 characters; generate a longer one.');
  const key = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  // Standard Webhooks keys are base64: a receiver's library decodes `whsec_<key>` the same way.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0)
    throw new Error(
      'The webhook signing secret must be base64 (letters, digits, "+", "/", a length that is a multiple of 4), ' +
        'optionally after "whsec_"; generate one with `openssl rand -base64 33`.',
    );
  return `whsec_${key}`;
}

export class WebhookSigner {
  private readonly webhook: Webhook;

  constructor(secret: string) {
    this.webhook = new Webhook(standardSecret(secret));
  }

  sign(id: string, timestamp: Date, body: string): WebhookHeaders {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(id, timestamp, body),
    };
  }
}

/** Remembers webhook ids for the tolerance window, so that each is accepted once. */
export interface ReplayGuard {
  /** True the first time `id` is seen within `ttlSeconds`. */
  firstSeen(id: string, ttlSeconds: number): Promise<boolean>;
}

/** The tolerance of the Standard Webhooks libraries: a timestamp further than this from now is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export class WebhookRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRejectedError';
  }
}

/** A receiver's check: signature and timestamp (by the standardwebhooks library), then the id once. */
export class WebhookVerifier {
  private readonly webhook: Webhook;

  constructor(
    secret: string,
    private readonly replays: ReplayGuard,
  ) {
    this.webhook = new Webhook(standardSecret(secret));
  }

  async verify(body: string, headers: Record<string, string | undefined>): Promise<unknown> {
    const wanted = { ...headers } as Record<string, string>;
    let payload: unknown;
    try {
      payload = this.webhook.verify(body, wanted);
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new WebhookRejectedError(error.message);
      throw error;
    }
    // Twice the tolerance: a timestamp may be that far in the future as well as the past.
    if (!(await this.replays.firstSeen(wanted['webhook-id'], 2 * WEBHOOK_TOLERANCE_SECONDS))) {
      throw new WebhookRejectedError('Message already received (replay)');
    }
    return payload;
  }
}

/** `webhook_url` must be a URL the platform may call: refused with a 400 otherwise. */
export type WebhookUrlCheck = (url: string) => Promise<void>;

/**
 * Public https hosts only, by the gateway's SSRF guard: no private, loopback or link-local (cloud
 * metadata) address, no name that resolves to one, no credentials, default port. Checked at submit
 * and again before each delivery, since a name's addresses can change in between.
 */
export function publicWebhookUrls(resolve: HostResolver = systemResolver): WebhookUrlCheck {
  const guard = new RemoteUrlGuard(
    { allow: 'public', resolveTimeoutMs: 1_000, maxLength: 2_048, maxHosts: 1 },
    resolve,
    { dataUrls: false }, // a data: URL is content, not a place to deliver to
  );
  return (url) => guard.checkUrl('webhook_url', url);
}

/**
 * For the local server only: also http(s) on 127.0.0.1 / localhost, so a developer can receive
 * webhooks on their own machine. Never used by the deployed worker.
 */
export function localWebhookUrls(resolve: HostResolver = systemResolver): WebhookUrlCheck {
  const publicOnly = publicWebhookUrls(resolve);
  return async (url) => {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      // the public check gives the message
    }
    const loopback = parsed && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
    if (loopback && (parsed!.protocol === 'http:' || parsed!.protocol === 'https:') && !parsed!.username) return;
    await publicOnly(url);
  };
}

export interface WebhookDelivery {
  readonly delivered: boolean;
  readonly attempts: number;
  /** The last HTTP status, or the refusal or network error. */
  readonly outcome: string;
}

export interface WebhookDelivererOptions {
  readonly signer: WebhookSigner;
  readonly checkUrl: WebhookUrlCheck;
  /** @default 3 */
  readonly attempts?: number;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** Between attempts, milliseconds by attempt number. @default 250 ms, then 1 s */
  readonly backoffMs?: (attempt: number) => number;
  /** How a delivery is sent. @default `guardedWebhookPost()`: connections to public addresses only */
  readonly post?: WebhookPost;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * Posts a finished job to its webhook, signed. A receiver that is down costs a few quick retries,
 * never the job: the result stays in the store for polling either way.
 */
export class WebhookDeliverer {
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: (attempt: number) => number;
  private readonly post: WebhookPost;
  private readonly now: () => Date;

  constructor(private readonly options: WebhookDelivererOptions) {
    this.attempts = options.attempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.backoffMs = options.backoffMs ?? ((attempt) => (attempt === 1 ? 250 : 1_000));
    this.post = options.post ?? guardedWebhookPost();
    this.now = options.now ?? (() => new Date());
  }

  /** The body a job's webhook carries: the event type and the job as GET /v1/jobs/{id} shows it. */
  static payload(job: Job, timestamp: Date): string {
    return JSON.stringify({ type: `job.${job.status}`, timestamp: timestamp.toISOString(), data: jobView(job) });
  }

  async deliver(job: Job): Promise<WebhookDelivery> {
    if (!job.webhookUrl) return { delivered: false, attempts: 0, outcome: 'no webhook' };
    try {
      await this.options.checkUrl(job.webhookUrl);
    } catch (error) {
      return { delivered: false, attempts: 0, outcome: error instanceof GatewayError ? error.message : String(error) };
    }
    // One id per job event, the same on every retry: the receiver's replay guard dedupes retries.
    const id = `msg_${job.id}_${job.status}`;
    let outcome = '';
    let made = 0;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      made = attempt;
      const timestamp = this.now();
      const body = WebhookDeliverer.payload(job, timestamp);
      try {
        const headers = { 'content-type': 'application/json', ...this.options.signer.sign(id, timestamp, body) };
        const status = await this.post(job.webhookUrl, headers, body, this.timeoutMs);
        outcome = `HTTP ${status}`;
        if (status >= 200 && status < 300) return { delivered: true, attempts: attempt, outcome };
        if (status >= 300 && status < 500 && status !== 429) break; // redirects are never followed
      } catch (error) {
        if (error instanceof AddressRefusedError)
          return { delivered: false, attempts: attempt, outcome: error.message };
        outcome = (error as Error).name;
      }
      if (attempt < this.attempts) await new Promise((resolve) => setTimeout(resolve, this.backoffMs(attempt)));
    }
    return { delivered: false, attempts: made, outcome };
  }
}

/** Webhook ids in Redis (`SET NX EX`): a replay is refused by every instance of the receiver. */
export class RedisReplayGuard implements ReplayGuard {
  constructor(
    private readonly redis: { set(key: string, value: string, ex: 'EX', ttl: number, nx: 'NX'): Promise<unknown> },
    private readonly prefix = 'webhooks:seen:',
  ) {}

  async firstSeen(id: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}${id}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }
}

/** Webhook ids in this process: enough for one receiver (the local example receiver). */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();

  async firstSeen(id: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
    if (this.seen.has(id)) return false;
    this.seen.set(id, now + ttlSeconds * 1000);
    return true;
  }
}
