import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, toGatewayError } from '../core/http/errors';
import type { GatewayRequest, GatewayResponse } from '../core/http/types';
import type { Gateway } from '../core/pipeline/gateway';
import { errorResponse } from '../core/pipeline/responses';
import { answerAndLinger, readBody } from './request-body';

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/**
 * A service the local server runs beside the gateway (the embedding service, the jobs API): it
 * answers the requests whose path it owns and returns undefined for the rest, which go to the
 * gateway. Deployed, API Gateway sends the same paths to the service's own function.
 */
export type LocalRoute = (request: GatewayRequest) => Promise<GatewayResponse | undefined>;

/** Serves the gateway core over node:http: the same code path the Lambda handler drives. */
export function httpListener(gateway: Gateway, maxBodyBytes: number, routes: readonly LocalRoute[] = []) {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const disconnected = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) disconnected.abort();
    });
    const path = pathOf(req.url);
    if (path === undefined) {
      const response = errorResponse(
        GatewayError.badRequest('The request target is not a valid URL.', undefined, 'invalid_url'),
        {},
      );
      answerAndLinger(req, res, response.status, response.headers, response.body);
      return;
    }
    const read = await readBody(req, maxBodyBytes);
    if (read.kind === 'gone') return;
    if (read.kind === 'too-large') {
      const response = errorResponse(GatewayError.tooLarge(maxBodyBytes), {});
      answerAndLinger(req, res, response.status, response.headers, response.body);
      return;
    }
    const request: GatewayRequest = {
      method: req.method ?? 'GET',
      path,
      headers: headersOf(req),
      body: read.body,
      signal: disconnected.signal,
    };
    let response: GatewayResponse | undefined;
    try {
      for (const route of routes) {
        response = await route(request);
        if (response) break;
      }
    } catch (thrown) {
      // A service's refusal (a GatewayError) is answered like the gateway's own, in the OpenAI format.
      response = errorResponse(toGatewayError(thrown), {});
    }
    response ??= await gateway.handle(request);
    if (response.kind === 'buffered') {
      res.writeHead(response.status, response.headers).end(response.body);
      return;
    }
    res.writeHead(response.status, response.headers);
    res.flushHeaders();
    try {
      for await (const frame of response.frames) {
        if (disconnected.signal.aborted) break;
        res.write(frame);
      }
    } finally {
      res.end();
    }
  };
  // Whatever escapes (a bug, a socket error mid-answer) ends this request, never the process: an
  // async listener's rejection is otherwise an unhandled rejection, which Node turns into an exit.
  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        const response = errorResponse(toGatewayError(error), {});
        res.writeHead(response.status, response.headers).end(response.body);
      } else {
        res.destroy();
      }
    });
  };
}

/**
 * The path of a request target, or undefined when it is not a URL. Absolute-form targets
 * (`GET http://host/path`) are parsed as such; a malformed one (`http://[::1`) must be a 400, not
 * an exception.
 */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}
