/** A request as the core sees it: no Lambda event, no node:http object. */
export interface GatewayRequest {
  readonly method: string;
  /** Path without the stage prefix, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
  /** Aborted when the client goes away: the upstream call is aborted with it. */
  readonly signal: AbortSignal;
  /**
   * Who is calling, when an outer layer (API Gateway's authorizer) has already authenticated them.
   * When absent, the core authenticates the bearer key itself.
   */
  readonly identity?: CallerIdentity;
}

export interface CallerIdentity {
  readonly tenant: string;
  readonly user?: string;
  readonly keyId?: string;
  /** Public model names this caller may use; absent means all. */
  readonly allowedModels?: readonly string[];
}

export type ResponseHeaders = Record<string, string>;

export interface BufferedResponse {
  readonly kind: 'buffered';
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: string;
}

/** A server-sent-events response: every item is one complete frame (`data: ...\n\n`). */
export interface StreamingResponse {
  readonly kind: 'stream';
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly frames: AsyncIterable<string>;
}

export type GatewayResponse = BufferedResponse | StreamingResponse;
