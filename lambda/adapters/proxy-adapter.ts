import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { GatewayError, toGatewayError } from '../core/http/errors';
import type { GatewayRequest, GatewayResponse, ResponseHeaders } from '../core/http/types';
import { errorResponse } from '../core/pipeline/responses';
import { toGatewayRequest } from './api-gateway';

/** Keep this much of the function's time to answer after the service's work is cut short. */
const RESPONSE_MARGIN_MS = 1_000;

/** A core service behind a buffered proxy route: its answer, or undefined for a path it does not own. */
export type ServiceHandle = (request: GatewayRequest) => Promise<GatewayResponse | undefined>;

/**
 * The handler of a buffered (non-streaming) REST proxy integration in front of a core service (the
 * jobs API, the embedding API). Every refusal is an OpenAI-format error with the API's request id,
 * so SDKs raise their usual exceptions; an unexpected failure is reported and answered as a 500.
 */
export function proxyHandler(
  handle: (request: GatewayRequest) => ReturnType<ServiceHandle>,
  onError: (error: unknown) => void,
): (event: APIGatewayProxyEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<APIGatewayProxyResult> {
  return async (event, context) => {
    const signal = AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS));
    const requestId = event.requestContext?.requestId;
    const ids: ResponseHeaders = requestId ? { 'x-request-id': requestId } : {};
    let response: GatewayResponse;
    try {
      response =
        (await handle(toGatewayRequest(event, signal))) ??
        errorResponse(
          GatewayError.notFound(`Unknown request URL: ${event.httpMethod} ${event.path}.`, undefined, 'unknown_url'),
          ids,
        );
    } catch (error) {
      const refusal = toGatewayError(error);
      if (!(error instanceof GatewayError)) onError(error);
      response = errorResponse(refusal, ids);
    }
    const body = response.kind === 'buffered' ? response.body : await collect(response.frames);
    return { statusCode: response.status, headers: { ...ids, ...response.headers }, body };
  };
}

async function collect(frames: AsyncIterable<string>): Promise<string> {
  let body = '';
  for await (const frame of frames) body += frame;
  return body;
}
