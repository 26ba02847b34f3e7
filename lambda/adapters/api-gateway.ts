import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Writable } from 'node:stream';
import { toGatewayError } from '../core/http/errors';
import type { CallerIdentity, GatewayRequest, GatewayResponse } from '../core/http/types';
import { errorResponse } from '../core/pipeline/responses';

/**
 * Translation between API Gateway's REST proxy events (with response streaming) and the core.
 * Nothing here knows about providers, models or policy.
 */

/** The subset of the Lambda runtime's `awslambda` global the adapter needs. */
export interface HttpResponseStreamFactory {
  from(stream: Writable, prelude: { statusCode: number; headers: Record<string, string> }): Writable;
}

/** Keep this much of the function's time to finish the response after the upstream is cut. */
const RESPONSE_MARGIN_MS = 1_000;

/**
 * The caller as API Gateway's Lambda authorizer established it (`context.tenant`, `user`, `keyId`,
 * `models` as a comma list). Without it the core authenticates the bearer key itself.
 */
export function identityOf(event: APIGatewayProxyEvent): CallerIdentity | undefined {
  const authorizer = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const tenant = authorizer?.tenant;
  if (typeof tenant !== 'string' || tenant.length === 0) return undefined;
  const text = (key: string) =>
    typeof authorizer?.[key] === 'string' && authorizer[key] ? (authorizer[key] as string) : undefined;
  const models = text('models');
  return { tenant, user: text('user'), keyId: text('keyId'), allowedModels: models ? models.split(',') : undefined };
}

export function toGatewayRequest(event: APIGatewayProxyEvent, signal: AbortSignal): GatewayRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) headers[name.toLowerCase()] = value;
  const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : new Uint8Array();
  return { method: event.httpMethod, path: event.path, headers, body, signal, identity: identityOf(event) };
}

/**
 * The request with `traceparent` set to the invocation's trace when the caller sent none, so that
 * provider calls continue the X-Ray trace; a caller's own trace context always wins.
 */
export function withTraceparent(request: GatewayRequest, traceparent: string | undefined): GatewayRequest {
  if (!traceparent || request.headers.traceparent) return request;
  return { ...request, headers: { ...request.headers, traceparent } };
}

function write(stream: Writable, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(chunk, (error) => (error ? reject(error) : resolve())));
}

/** Writes a core response to Lambda's response stream: status and headers first, then the body. */
export async function writeResponse(
  responseStream: Writable,
  response: GatewayResponse,
  factory: HttpResponseStreamFactory,
): Promise<void> {
  const stream = factory.from(responseStream, { statusCode: response.status, headers: response.headers });
  try {
    if (response.kind === 'buffered') {
      await write(stream, response.body);
    } else {
      for await (const frame of response.frames) await write(stream, frame);
    }
  } finally {
    stream.end();
  }
}

/** A signal that fires when the client goes away or the function is about to run out of time. */
export function requestSignal(
  responseStream: Writable,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): AbortSignal {
  const controller = new AbortController();
  responseStream.once('close', () => controller.abort());
  responseStream.once('error', () => controller.abort());
  const remaining = Math.max(0, context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);
  return AbortSignal.any([controller.signal, AbortSignal.timeout(remaining)]);
}

export type StreamingHandler = (
  event: APIGatewayProxyEvent,
  responseStream: Writable,
  context: Context,
) => Promise<void>;

/** The whole handler, given the gateway and the runtime's stream factory. */
export function streamingHandler(
  handle: (request: GatewayRequest) => Promise<GatewayResponse>,
  factory: HttpResponseStreamFactory,
  onError: (error: unknown) => void,
): StreamingHandler {
  return async (event, responseStream, context) => {
    const signal = requestSignal(responseStream, context);
    let response: GatewayResponse;
    try {
      response = await handle(toGatewayRequest(event, signal));
    } catch (error) {
      // The core answers every request itself; reaching here means it could not start.
      onError(error);
      response = errorResponse(toGatewayError(error), {});
    }
    await writeResponse(responseStream, response, factory);
  };
}
