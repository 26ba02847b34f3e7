/**
 * Every rejection the gateway makes is one of these, rendered as OpenAI's error object so that any
 * OpenAI SDK raises its usual exception type with a useful message.
 */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'upstream_error'
  | 'timeout_error';

export interface OpenAiErrorBody {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
}

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: OpenAiErrorType,
    message: string,
    readonly options: {
      param?: string;
      code?: string;
      retryAfterSeconds?: number;
      cause?: unknown;
      /**
       * What went wrong, for operators only: deployment ids and the providers' own words. It goes to
       * the call's log line (redacted) under the request id, never to the client, whose message is
       * stable for its code.
       */
      detail?: string;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'GatewayError';
  }

  toBody(): OpenAiErrorBody {
    return {
      error: {
        message: this.message,
        type: this.type,
        param: this.options.param ?? null,
        code: this.options.code ?? null,
      },
    };
  }

  static badRequest(message: string, param?: string, code = 'invalid_request'): GatewayError {
    return new GatewayError(400, 'invalid_request_error', message, { param, code });
  }
  static unauthorized(message: string): GatewayError {
    return new GatewayError(401, 'authentication_error', message, { code: 'invalid_api_key' });
  }
  static forbidden(message: string): GatewayError {
    return new GatewayError(403, 'permission_error', message, { code: 'model_not_allowed' });
  }
  static notFound(message: string, param?: string, code = 'not_found'): GatewayError {
    return new GatewayError(404, 'not_found_error', message, { param, code });
  }
  static tooLarge(limitBytes: number): GatewayError {
    return new GatewayError(413, 'invalid_request_error', `Request body is larger than the ${limitBytes}-byte limit.`, {
      code: 'request_too_large',
    });
  }
  static rateLimited(message: string, retryAfterSeconds: number, code = 'rate_limit_exceeded'): GatewayError {
    return new GatewayError(429, 'rate_limit_error', message, { code, retryAfterSeconds });
  }
}

/** Anything thrown that is not a GatewayError is a bug: the client sees a 500 without internals. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError(500, 'api_error', 'The gateway failed to handle the request.', {
    code: 'internal_error',
    cause: error,
    detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
}
