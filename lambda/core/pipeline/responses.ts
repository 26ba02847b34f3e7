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
  const retryAfter = error.options.retryAfterSeconds;
  if (retryAfter !== undefined) extra[RESPONSE_HEADERS.retryAfter] = String(retryAfter);
  if (!worthRetrying(error)) extra[RESPONSE_HEADERS.shouldRetry] = 'false';
  return jsonResponse(error.status, error.toBody(), extra);
}

/**
 * SDKs retry every 429 a few times within seconds, and honour a Retry-After only up to a minute:
 * a spent budget, or a limit that refills later than that, would only be asked again in vain.
 */
const LONGEST_SDK_WAIT_SECONDS = 60;
function worthRetrying(error: GatewayError): boolean {
  if (error.status !== 429) return true;
  if (error.options.code === 'insufficient_quota') return false;
  return (error.options.retryAfterSeconds ?? 0) <= LONGEST_SDK_WAIT_SECONDS;
}

export const STREAM_HEADERS: ResponseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};
