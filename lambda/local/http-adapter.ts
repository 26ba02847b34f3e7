import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, toGatewayError } from '../core/http/errors';
import type { GatewayRequest, GatewayResponse } from '../core/http/types';
import type { Gateway } from '../core/pipeline/gateway';
import { errorResponse } from '../core/pipeline/responses';

/**
 * Reads the body up to `limit` bytes. A body over the limit is refused without reading (or
 * buffering) the rest, so an oversized request costs no memory.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

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
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const disconnected = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) disconnected.abort();
    });
    const body = await readBody(req, maxBodyBytes);
    if (!body) {
      const response = errorResponse(GatewayError.tooLarge(maxBodyBytes), {});
      res.writeHead(response.status, { ...response.headers, connection: 'close' }).end(response.body);
      req.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request: GatewayRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: headersOf(req),
      body,
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
}
