import type { ChatCompletionRequest, EmbeddingRequest } from '../openai/types';
import type { CallContext, HttpProviderSpec, ProviderClient } from './provider';
import { startCallTimers, type CallTimers } from './call-timers';
import { readServerSentEvents } from './sse';
import { UpstreamError, failureForStatus, parseRetryAfter } from './upstream-error';

const MAX_ERROR_BODY = 16 * 1024;

interface Exchange extends CallTimers {
  response: Response;
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

  let response: Response;
  try {
    // The URL is the configured base URL plus the provider's fixed path: nothing from the request.
    response = await fetch(new URL(path, withTrailingSlash(deployment.baseUrl!)), {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: timers.signal,
      redirect: 'error',
    });
  } catch (error) {
    timers.dispose();
    throw timers.classify(error);
  }

  if (!response.ok) {
    const text = await readBounded(response).catch(() => '');
    timers.dispose();
    let message: string | undefined;
    try {
      message = spec.errorMessage(JSON.parse(text));
    } catch {
      message = undefined;
    }
    throw new UpstreamError(
      failureForStatus(response.status),
      `${deploymentId} answered ${response.status}${message ? `: ${message}` : ''}`,
      {
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        deployment: deploymentId,
      },
    );
  }
  return { ...timers, response };
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

async function readBounded(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > MAX_ERROR_BODY ? text.slice(0, MAX_ERROR_BODY) : text;
}

async function readJson(exchange: Exchange, deploymentId: string): Promise<unknown> {
  let text: string;
  try {
    text = await exchange.response.text();
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

/** Relative provider paths resolve against the base URL's path (`/v1/` + `chat/completions`). */
function relative(path: string): string {
  return path.replace(/^\//, '');
}

/** Runs any {@link HttpProviderSpec} over fetch, with first-byte and total timeouts. */
export function httpProvider(spec: HttpProviderSpec): ProviderClient {
  return {
    async complete(request: ChatCompletionRequest, context: CallContext) {
      const exchange = await post(
        spec,
        relative(spec.chatPath),
        spec.toChatRequest(request, context.deployment, false),
        context,
      );
      exchange.firstByteArrived();
      const body = await readJson(exchange, context.deploymentId);
      try {
        return spec.fromChatResponse(body, request);
      } catch (error) {
        throw new UpstreamError('malformed', `${context.deploymentId} answered a completion we cannot read`, {
          deployment: context.deploymentId,
          cause: error,
        });
      }
    },

    async *stream(request: ChatCompletionRequest, context: CallContext) {
      const exchange = await post(
        spec,
        relative(spec.chatPath),
        spec.toChatRequest(request, context.deployment, true),
        context,
      );
      const translator = spec.streamTranslator(request);
      let finished = false;
      try {
        for await (const event of readServerSentEvents(exchange.response.body!)) {
          exchange.firstByteArrived();
          let translated;
          try {
            translated = translator.translate(event);
          } catch (error) {
            throw new UpstreamError('malformed', `${context.deploymentId} sent a stream event we cannot read`, {
              deployment: context.deploymentId,
              cause: error,
            });
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
        if (!finished) await exchange.response.body?.cancel().catch(() => undefined);
      }
    },

    ...(spec.embeddingsPath && spec.toEmbeddingsRequest && spec.fromEmbeddingsResponse
      ? {
          async embed(request: EmbeddingRequest, context: CallContext) {
            const exchange = await post(
              spec,
              relative(spec.embeddingsPath!),
              spec.toEmbeddingsRequest!(request, context.deployment),
              context,
            );
            exchange.firstByteArrived();
            const body = await readJson(exchange, context.deploymentId);
            try {
              return spec.fromEmbeddingsResponse!(body, request);
            } catch (error) {
              throw new UpstreamError('malformed', `${context.deploymentId} answered embeddings we cannot read`, {
                deployment: context.deploymentId,
                cause: error,
              });
            }
          },
        }
      : {}),
  };
}
