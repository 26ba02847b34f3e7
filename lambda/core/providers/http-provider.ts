import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ChatCompletionRequest, EmbeddingRequest } from '../openai/types';
import { startCallTimers, type CallTimers } from './call-timers';
import type { CallContext, HttpProviderSpec, ProviderClient } from './provider';
import { readServerSentEvents } from './sse';
import { UpstreamError, clientDetailFor, failureForStatus, parseRetryAfter, translateRequest } from './upstream-error';

const MAX_ERROR_BODY = 16 * 1024;

/**
 * node:http with keep-alive rather than fetch: on loopback, fetch's p99 is over 4 ms where
 * node:http's is about 0.3 ms (bench/gateway-overhead.ts), and this is every call's hot path.
 * Redirects are never followed: a 3xx is a failure like any other.
 */
const AGENTS = {
  'http:': new HttpAgent({ keepAlive: true, scheduling: 'lifo' }),
  'https:': new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }),
};

interface Exchange extends CallTimers {
  response: IncomingMessage;
}

function send(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: AGENTS[https ? 'https:' : 'http:'],
        signal,
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function readText(response: IncomingMessage, limit = Infinity): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function post(spec: HttpProviderSpec, path: string, body: unknown, context: CallContext): Promise<Exchange> {
  const { deployment, deploymentId } = context;
  const timers = startCallTimers(context);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': context.requestId,
    ...spec.headers(context.apiKey),
  };
  if (context.traceparent) headers.traceparent = context.traceparent;

  let response: IncomingMessage;
  try {
    // The URL is the configured base URL plus the provider's fixed path: nothing from the request.
    response = await send(
      new URL(path, withTrailingSlash(deployment.baseUrl!)),
      headers,
      JSON.stringify(body),
      timers.signal,
    );
  } catch (error) {
    timers.dispose();
    throw timers.classify(error);
  }

  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const text = await readText(response, MAX_ERROR_BODY).catch(() => '');
    timers.dispose();
    let message: string | undefined;
    let kind: string | undefined;
    try {
      const body: unknown = JSON.parse(text);
      message = spec.errorMessage(body);
      kind = errorKind(body);
    } catch {
      message = undefined;
    }
    const retryAfter = response.headers['retry-after'];
    // The provider's own words can echo the prompt ("Your prompt ... was refused") or our key, so
    // they are not part of the message that reaches the log: its error code or type is.
    throw new UpstreamError(failureForStatus(status), `${deploymentId} answered ${status}${kind ? ` (${kind})` : ''}`, {
      status,
      retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
      deployment: deploymentId,
      clientDetail: clientDetailFor(status, message),
    });
  }
  return { ...timers, response };
}

/** The error's code or type (`invalid_api_key`, `overloaded_error`), when the body has a short one. */
function errorKind(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown; type?: unknown } } | null)?.error;
  const kind = typeof error?.code === 'string' ? error.code : error?.type;
  return typeof kind === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(kind) ? kind : undefined;
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

async function readJson(exchange: Exchange, deploymentId: string): Promise<unknown> {
  let text: string;
  try {
    text = await readText(exchange.response);
  } catch (error) {
    throw exchange.classify(error);
  } finally {
    exchange.dispose();
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UpstreamError('malformed', `${deploymentId} answered with a body that is not JSON`, {
      deployment: deploymentId,
      cause: error,
    });
  }
}

function malformed(context: CallContext, what: string, cause: unknown): UpstreamError {
  return new UpstreamError('malformed', `${context.deploymentId} ${what}`, { deployment: context.deploymentId, cause });
}

/** Runs any {@link HttpProviderSpec} over HTTP, with first-byte and total timeouts. */
export function httpProvider(spec: HttpProviderSpec): ProviderClient {
  const client: ProviderClient = {
    async complete(request: ChatCompletionRequest, context: CallContext) {
      const upstreamBody = translateRequest(context.deploymentId, () =>
        spec.toChatRequest(request, context.deployment, false),
      );
      const exchange = await post(spec, spec.chatPath, upstreamBody, context);
      exchange.firstByteArrived();
      const body = await readJson(exchange, context.deploymentId);
      try {
        return spec.fromChatResponse(body, request);
      } catch (error) {
        throw malformed(context, 'answered a completion we cannot read', error);
      }
    },

    async *stream(request: ChatCompletionRequest, context: CallContext) {
      const body = translateRequest(context.deploymentId, () => spec.toChatRequest(request, context.deployment, true));
      const exchange = await post(spec, spec.chatPath, body, context);
      const translator = spec.streamTranslator(request);
      let finished = false;
      try {
        for await (const event of readServerSentEvents(exchange.response)) {
          exchange.eventArrived();
          let translated;
          try {
            translated = translator.translate(event);
          } catch (error) {
            throw malformed(context, 'sent a stream event we cannot read', error);
          }
          for (const chunk of translated.chunks) yield chunk;
          if (translated.done) {
            finished = true;
            return;
          }
        }
        throw new UpstreamError('connection', `${context.deploymentId} ended the stream before its end marker`, {
          deployment: context.deploymentId,
        });
      } catch (error) {
        throw exchange.classify(error);
      } finally {
        exchange.dispose();
        if (!finished) exchange.response.destroy();
      }
    },
  };
  const { embeddingsPath, toEmbeddingsRequest, fromEmbeddingsResponse } = spec;
  if (embeddingsPath && toEmbeddingsRequest && fromEmbeddingsResponse) {
    client.embed = async (request: EmbeddingRequest, context: CallContext) => {
      const upstreamBody = translateRequest(context.deploymentId, () =>
        toEmbeddingsRequest(request, context.deployment),
      );
      const exchange = await post(spec, embeddingsPath, upstreamBody, context);
      exchange.firstByteArrived();
      const body = await readJson(exchange, context.deploymentId);
      try {
        return fromEmbeddingsResponse(body, request);
      } catch (error) {
        throw malformed(context, 'answered embeddings we cannot read', error);
      }
    };
  }
  return client;
}
