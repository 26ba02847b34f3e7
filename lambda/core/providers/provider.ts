import type { Deployment } from '../../contract/config/gateway-config';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from '../openai/types';

/** What every provider call gets: the deployment, its credential and the call's signal. */
export interface CallContext {
  readonly deploymentId: string;
  readonly deployment: Deployment;
  readonly apiKey?: string;
  /** Aborts on client disconnect and on the total timeout. */
  readonly signal: AbortSignal;
  readonly requestId: string;
  /** W3C trace context propagated to the provider. */
  readonly traceparent?: string;
}

/**
 * A provider as the pipeline sees it. Streams yield OpenAI chunks; a stream must not yield until it
 * has its first event, so that failures before the first byte can still be retried.
 * A chunk carrying `usage` reports the call's token usage; the pipeline decides whether the client
 * sees it.
 */
export interface ProviderClient {
  complete(request: ChatCompletionRequest, context: CallContext): Promise<ChatCompletion>;
  stream(request: ChatCompletionRequest, context: CallContext): AsyncGenerator<ChatCompletionChunk>;
  embed?(request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse>;
}

/**
 * An HTTP provider described as data: where to send what, and how to translate each way. The HTTP
 * transport (`http-provider.ts`) runs any spec; adding a provider adds a folder, not a branch.
 */
export interface HttpProviderSpec {
  readonly chatPath: string;
  readonly embeddingsPath?: string;
  headers(apiKey: string | undefined): Record<string, string>;
  toChatRequest(request: ChatCompletionRequest, deployment: Deployment, stream: boolean): unknown;
  fromChatResponse(body: unknown, request: ChatCompletionRequest): ChatCompletion;
  /** A fresh translator per stream (they keep state such as the message id and tool-call indexes). */
  streamTranslator(request: ChatCompletionRequest): StreamTranslator;
  toEmbeddingsRequest?(request: EmbeddingRequest, deployment: Deployment): unknown;
  fromEmbeddingsResponse?(body: unknown, request: EmbeddingRequest): EmbeddingResponse;
  /** The provider's error message from an error body, for logs and client errors. */
  errorMessage(body: unknown): string | undefined;
}

export interface StreamTranslator {
  /** Translates one SSE event; `done` ends the stream. */
  translate(event: { event?: string; data: string }): { chunks: ChatCompletionChunk[]; done?: boolean };
}
