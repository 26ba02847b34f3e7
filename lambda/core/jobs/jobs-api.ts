import * as z from 'zod/mini';
import { GatewayError } from '../http/errors';
import { MAX_LENGTH, keyString } from '../validation/limits';
import { decodeSegment, routePath } from '../http/path';
import type { CallerIdentity, GatewayRequest, GatewayResponse } from '../http/types';
import { parseChatCompletionRequest, parseEmbeddingRequest, parseJsonBody } from '../openai/request-schema';
import { jsonResponse } from '../pipeline/responses';
import type { ModelKind } from '../../contract/config/gateway-config';
import { isJobId, jobView, newJobId, type Job } from './job';
import { JOB_ENDPOINTS, type JobEndpoint } from '../../contract/routes';
import type { JobQueue } from './job-queue';
import type { JobStore } from './job-store';
import type { WebhookUrlCheck } from './webhook';

/** `POST /v1/jobs`: the body is validated again as its endpoint's request. */
export const jobSubmissionSchema = z.strictObject({
  endpoint: z.enum(JOB_ENDPOINTS),
  body: z.record(keyString(), z.unknown()),
  webhook_url: z.optional(z.string().check(z.maxLength(MAX_LENGTH.url))),
});

export interface JobsApiOptions {
  readonly store: JobStore;
  readonly queue: JobQueue;
  /** Authenticates a request to a tenant the way the gateway does (`Gateway.identify`). */
  readonly identify: (request: GatewayRequest) => CallerIdentity;
  readonly checkWebhookUrl: WebhookUrlCheck;
  /**
   * The model's canonical name if the caller may use it, else a 404 (unknown) or 403 (its key is
   * restricted to other models) GatewayError: `Gateway.authorizeModel`, or a `ModelCatalog` where
   * the API runs without a gateway.
   */
  readonly authorizeModel: (identity: CallerIdentity, model: string, kind: ModelKind) => string;
  /** A job is run and shown for this long after its submission. */
  readonly retentionSeconds: number;
  /** The gateway's request size limit, which a job's body must also fit. */
  readonly maxBodyBytes: number;
}

/**
 * `POST /v1/jobs` submits a chat completion or an embedding request to run later (202 with the
 * job at once); `GET /v1/jobs/{id}` shows its status and result. Same authentication and tenant
 * mapping as the gateway; a tenant sees only its own jobs (another's id is a 404, as an unknown
 * one). Answers undefined for every other path.
 */
export class JobsApi {
  constructor(private readonly options: JobsApiOptions) {}

  async handle(request: GatewayRequest): Promise<GatewayResponse | undefined> {
    const path = routePath(request.path);
    if (path === '/v1/jobs') {
      expectMethod(request, 'POST');
      return this.submit(request);
    }
    const match = /^\/v1\/jobs\/([^/]+)$/.exec(path);
    if (match) {
      expectMethod(request, 'GET');
      return this.show(request, match[1]);
    }
    return undefined;
  }

  private async submit(request: GatewayRequest): Promise<GatewayResponse> {
    const identity = this.options.identify(request);
    if (request.body.length > this.options.maxBodyBytes) throw GatewayError.tooLarge(this.options.maxBodyBytes);
    const parsed = jobSubmissionSchema.safeParse(parseJsonBody(request.body));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue.path.join('.') || undefined;
      throw GatewayError.badRequest(
        `Invalid job: ${param ? `'${param}': ` : ''}${issue.message}. Send {"endpoint": "/v1/chat/completions" or "/v1/embeddings", "body": {...the request...}, "webhook_url"?: "https://..."}.`,
        param,
      );
    }
    const { endpoint, body, webhook_url: webhookUrl } = parsed.data;
    // The same validation as the synchronous endpoint: a malformed request is refused now, not later.
    if (endpoint === '/v1/chat/completions') {
      if (body.stream === true)
        throw GatewayError.badRequest('A job cannot stream: leave out "stream" or set it to false.', 'body.stream');
      parseChatCompletionRequest(body);
    } else {
      parseEmbeddingRequest(body);
    }
    // A key restricted to some models submits jobs for those only (the router's model included).
    this.options.authorizeModel(identity, body.model as string, kindOf(endpoint));
    if (webhookUrl !== undefined) await this.options.checkWebhookUrl(webhookUrl);
    const job = await this.options.store.create({
      id: newJobId(),
      owner: identity,
      endpoint,
      request: body,
      webhookUrl,
      expiresAt: new Date(Date.now() + this.options.retentionSeconds * 1000),
    });
    try {
      await this.options.queue.send({ jobId: job.id });
    } catch (error) {
      await this.options.store.fail(job.id, {
        status: 503,
        type: 'api_error',
        code: 'enqueue_failed',
        message: 'The job could not be queued.',
      });
      throw new GatewayError(503, 'api_error', 'The job could not be queued; submit it again.', {
        code: 'enqueue_failed',
        cause: error,
      });
    }
    return jsonResponse(202, jobView(job), { location: `/v1/jobs/${job.id}` });
  }

  private async show(request: GatewayRequest, segment: string): Promise<GatewayResponse> {
    const identity = this.options.identify(request); // before anything about the path is said
    const id = decodeSegment(segment);
    const job = isJobId(id) ? await this.options.store.get(identity.tenant, id) : undefined;
    // A job for a model this key may not use is, to this key, a job that does not exist.
    if (!job || !this.mayUse(identity, job)) {
      throw GatewayError.notFound(`No job '${isJobId(id) ? id : segment.slice(0, 64)}'.`, 'id', 'job_not_found');
    }
    return jsonResponse(200, jobView(job), {});
  }

  private mayUse(identity: CallerIdentity, job: Job): boolean {
    if (!identity.allowedModels) return true;
    try {
      this.options.authorizeModel(identity, String(job.request.model), kindOf(job.endpoint));
      return true;
    } catch {
      return false;
    }
  }
}

function kindOf(endpoint: JobEndpoint): ModelKind {
  return endpoint === '/v1/embeddings' ? 'embedding' : 'chat';
}

function expectMethod(request: GatewayRequest, method: string): void {
  if (request.method !== method) {
    throw new GatewayError(405, 'invalid_request_error', `Use ${method} for ${request.path}, not ${request.method}.`, {
      code: 'method_not_allowed',
    });
  }
}
