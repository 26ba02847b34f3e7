import { GatewayError, type OpenAiErrorType } from '../http/errors';
import type { CallerIdentity, GatewayRequest, GatewayResponse } from '../http/types';
import type { EmbeddingResponse } from '../openai/types';
import { RESPONSE_HEADERS } from '../../contract/headers';

/** The part of the gateway the embedding service calls. */
export interface EmbeddingGateway {
  handle(request: GatewayRequest): Promise<GatewayResponse>;
  /** The canonical name of an embedding model the caller may use; a 404 or 403 GatewayError otherwise. */
  authorizeModel(identity: CallerIdentity, requested: string, kind: 'embedding'): string;
}

export interface BatchLimits {
  /** Inputs per request. The API takes up to 2048. */
  readonly maxInputs: number;
  /** Characters per request, to stay well inside the gateway's body size limit. */
  readonly maxChars: number;
}

interface EmbeddingCall {
  readonly identity: CallerIdentity;
  readonly model: string;
  readonly input: string[];
  readonly signal: AbortSignal;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxInputs: 128, maxChars: 200_000 };

/**
 * Embeds through the gateway's `POST /v1/embeddings` as the caller, so the caller's token limits,
 * budgets, model permissions, cost accounting and failover apply to every vector the service
 * stores. A refusal or failure is thrown as a GatewayError with the gateway's own status, type and
 * message, so the caller sees what the gateway said.
 */
export class GatewayEmbedder {
  constructor(
    private readonly gateway: EmbeddingGateway,
    private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ) {}

  /** `signal` aborts the embedding calls (a caller that stopped waiting). */
  async embed(
    identity: CallerIdentity,
    model: string,
    inputs: readonly string[],
    signal: AbortSignal = new AbortController().signal,
  ): Promise<number[][]> {
    const vectors: number[][] = [];
    for (const batch of batches(inputs, this.limits)) {
      vectors.push(...(await this.call({ identity, model, input: batch, signal })));
    }
    return vectors;
  }

  private async call({ identity, model, input, signal }: EmbeddingCall): Promise<number[][]> {
    const response = await this.gateway.handle({
      method: 'POST',
      path: '/v1/embeddings',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ model, input })),
      signal,
      identity,
    });
    const body = response.kind === 'buffered' ? response.body : '';
    if (response.status >= 300 || response.kind !== 'buffered') throw refusalOf(response, body);
    const parsed = JSON.parse(body) as EmbeddingResponse;
    const vectors = new Array<number[]>(input.length);
    for (const item of parsed.data) vectors[item.index] = item.embedding;
    if (parsed.data.length !== input.length || vectors.some((v) => !Array.isArray(v) || v.length === 0)) {
      throw new GatewayError(
        502,
        'upstream_error',
        `The model '${model}' returned ${parsed.data.length} embeddings for ${input.length} inputs.`,
        { code: 'bad_embedding_response' },
      );
    }
    return vectors;
  }
}

function batches(inputs: readonly string[], limits: BatchLimits): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const input of inputs) {
    if (current.length > 0 && (current.length >= limits.maxInputs || chars + input.length > limits.maxChars)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(input);
    chars += input.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function refusalOf(response: GatewayResponse, body: string): GatewayError {
  const retryAfter = Number(response.headers[RESPONSE_HEADERS.retryAfter]);
  try {
    const { error } = JSON.parse(body) as {
      error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
    };
    return new GatewayError(response.status, error.type, `Embedding failed: ${error.message}`, {
      param: error.param ?? undefined,
      code: error.code ?? undefined,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    });
  } catch {
    return new GatewayError(response.status, 'api_error', `Embedding failed: the gateway answered ${response.status}.`);
  }
}
