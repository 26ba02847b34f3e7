import { GatewayError } from '../http/errors';
import type { GatewayResponse } from '../http/types';
import { completionToChunks } from '../openai/stream-replay';
import {
  toTokenUsage,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type TokenUsage,
} from '../openai/types';
import { ClientAbortedError } from '../providers/call-timers';
import { SSE_DONE, sseFrame } from '../providers/sse';
import { UpstreamError } from '../providers/upstream-error';
import type { PrefetchedPermit } from '../resilience/failover';
import { costMicroUsd } from '../trace/cost';
import type { TraceRecord } from '../trace/record';
import { capped, type CallAccounting } from './accounting';
import type { CallScope } from './call-scope';
import type { Admission } from './ports';
import { STREAM_HEADERS } from './responses';
import type { Answered, Upstream } from './upstream';

/** Rough tokens of text, for accounting a stream that broke before its usage arrived. */
const tokensOfChars = (chars: number) => Math.ceil(chars / 4);

/** A streamed call as the stream part takes it: the request, who may serve it, what admission reserved. */
export interface StreamedCall {
  readonly scope: CallScope;
  readonly request: ChatCompletionRequest;
  readonly deployments: readonly string[];
  readonly permit: PrefetchedPermit;
  readonly admission: Admission;
}

interface OpenStream {
  readonly iterator: AsyncGenerator<ChatCompletionChunk>;
  readonly first: ChatCompletionChunk;
}

/**
 * Streamed chat completions: failures before the first chunk are retried and failed over like any
 * call; after it, never (the client has text it must not see twice): the error then travels in the
 * stream, as OpenAI's does, and the call is settled with what it used.
 */
export class StreamPart {
  constructor(
    private readonly upstream: Upstream,
    private readonly accounting: CallAccounting,
    private readonly now: () => number,
  ) {}

  async start(call: StreamedCall): Promise<GatewayResponse> {
    const { scope, request } = call;
    const upstream = new AbortController();
    const signal = AbortSignal.any([scope.signal, upstream.signal]);
    const opened = await this.upstream.call(
      scope,
      call.deployments,
      async (id, context): Promise<OpenStream> => {
        const iterator = this.upstream.provider(id).stream(request, context);
        const first = await iterator.next();
        if (first.done) throw new UpstreamError('malformed', `${id} sent an empty stream`, { deployment: id });
        return { iterator, first: first.value };
      },
      // A stream's failure after its first chunk is the deployment's too: its breaker hears of it then.
      { prefetched: call.permit, signal, settleLater: true },
    );
    scope.trace.timeToFirstTokenMs = Math.round(this.now() - scope.started);
    const frames = this.frames(call, opened, upstream);
    return { kind: 'stream', status: 200, headers: { ...STREAM_HEADERS, ...scope.headers }, frames };
  }

  /** An answer from the cache, replayed as the stream it would have been. */
  replay(completion: ChatCompletion, request: ChatCompletionRequest, scope: CallScope): GatewayResponse {
    const chunks = completionToChunks(completion, request.stream_options?.include_usage === true);
    async function* frames(): AsyncGenerator<string> {
      for (const chunk of chunks) yield sseFrame(chunk);
      yield SSE_DONE;
    }
    return { kind: 'stream', status: 200, headers: { ...STREAM_HEADERS, ...scope.headers }, frames: frames() };
  }

  /** The client's SSE frames, continuing the upstream stream whose first chunk is already here. */
  private async *frames(
    call: StreamedCall,
    opened: Answered<OpenStream>,
    upstream: AbortController,
  ): AsyncGenerator<string> {
    const { scope, request } = call;
    const { iterator, first } = opened.value;
    const includeUsage = request.stream_options?.include_usage === true;
    let usage: TokenUsage | undefined;
    let streamedChars = 0;
    let status = 200;
    let outcome: TraceRecord['outcome'] = 'success';
    let errorCode: string | undefined;
    let broke: unknown;
    try {
      for (let chunk: ChatCompletionChunk | undefined = first; chunk;) {
        if (chunk.usage) usage = toTokenUsage(chunk.usage);
        streamedChars += charsOf(chunk);
        const shaped = shapeChunk(chunk, includeUsage);
        if (shaped) yield sseFrame(shaped);
        const next = await iterator.next();
        chunk = next.done ? undefined : next.value;
      }
      yield SSE_DONE;
    } catch (error) {
      if (error instanceof ClientAbortedError || scope.signal.aborted) {
        outcome = 'client_aborted';
        return;
      }
      broke = error;
      // After the first byte the status is sent: the error travels in the stream, as OpenAI's does.
      const failure = error instanceof UpstreamError ? error : undefined;
      outcome = 'upstream_error';
      status = failure?.failure === 'timeout' ? 504 : 502;
      errorCode = 'stream_interrupted';
      scope.trace.errorDetail = capped(failure?.message ?? String(error));
      const message = status === 504 ? "The model's stream stalled and was cut off." : "The model's stream broke off.";
      yield sseFrame(new GatewayError(status, 'upstream_error', message, { code: errorCode }).toBody());
    } finally {
      upstream.abort();
      await iterator.return(undefined).catch(() => undefined);
      if (scope.signal.aborted && outcome === 'success') outcome = 'client_aborted';
      // A stream that broke before its usage block is still paid for: estimate what was used.
      const settled = usage ?? {
        inputTokens: tokensOfChars(JSON.stringify(request.messages).length),
        outputTokens: tokensOfChars(streamedChars),
        cachedInputTokens: 0,
      };
      const cost = costMicroUsd(opened.deployment.pricing, settled);
      await call.admission.settle(settled, cost).catch(() => undefined);
      this.accounting.account(scope, opened, settled, cost);
      this.accounting.finish(scope, status, outcome, errorCode);
      if (outcome === 'success') await opened.breaker.succeeded();
      else if (outcome === 'client_aborted') await opened.breaker.released();
      else await opened.breaker.failed(broke);
    }
  }
}

/** Characters of generated text in a chunk (content and tool-call arguments). */
function charsOf(chunk: ChatCompletionChunk): number {
  let chars = 0;
  for (const choice of chunk.choices) {
    chars += choice.delta.content?.length ?? 0;
    for (const call of choice.delta.tool_calls ?? []) chars += call.function?.arguments?.length ?? 0;
  }
  return chars;
}

/** What the client sees of an upstream chunk: usage only when it asked for it. */
function shapeChunk(chunk: ChatCompletionChunk, includeUsage: boolean): ChatCompletionChunk | undefined {
  if (chunk.choices.length === 0 && chunk.usage) return includeUsage ? chunk : undefined;
  if (!includeUsage && 'usage' in chunk) {
    const { usage: _usage, ...rest } = chunk;
    return rest;
  }
  return chunk;
}
