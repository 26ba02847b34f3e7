import type { GatewayError } from '../http/errors';
import type { BufferedResponse, ResponseHeaders } from '../http/types';
import { RESPONSE_HEADERS } from '../../contract/headers';

export function jsonResponse(status: number, body: unknown, headers: ResponseHeaders): BufferedResponse {
  return {
    kind: 'buffered',
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: GatewayError, headers: ResponseHeaders): BufferedResponse {
  const extra: ResponseHeaders = { ...headers };
  if (error.options.retryAfterSeconds !== undefined)
    extra[RESPONSE_HEADERS.retryAfter] = String(error.options.retryAfterSeconds);
  return jsonResponse(error.status, error.toBody(), extra);
}

export const STREAM_HEADERS: ResponseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};
