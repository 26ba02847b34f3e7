import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventStreamCodec } from '@smithy/core/event-streams';

const toUtf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const fromUtf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/**
 * A loopback server that speaks a provider's real wire format (OpenAI chat completions and
 * embeddings, Anthropic Messages, or Bedrock Converse with ConverseStream's binary AWS event-stream
 * framing), JSON and streams, with faults injected per request.
 */
export type ProviderWireFormat = 'openai' | 'anthropic' | 'bedrock';

export type Fault =
  | { kind: 'ok' }
  /** An error status; with `after`, sent once that settles (many failures answered at once). */
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown; after?: Promise<unknown> }
  | { kind: 'reset' }
  | { kind: 'slow-first-byte'; delayMs: number }
  /** Hold the answer until `until` settles: the test decides when, instead of a clock. */
  | { kind: 'hold'; until: Promise<unknown> }
  /** Stream: send this many content events, then drop the connection. */
  | { kind: 'cut-stream'; afterEvents: number }
  /** Stream: send one event that is not JSON after this many content events. */
  | { kind: 'malformed-chunk'; afterEvents: number }
  /** Stream: wait this long between events. */
  | { kind: 'slow-stream'; gapMs: number };

/** Usage the fake reports: the figures cost tests check against. */
export interface FakeUsage {
  input: number;
  output: number;
  cachedInput: number;
}

export interface FakeProvider {
  readonly url: string;
  /** Bodies of every request received, in order. */
  readonly requests: Array<{
    path: string;
    headers: IncomingMessage['headers'];
    body: Record<string, unknown>;
    /** When it arrived (Date.now()). */
    at: number;
  }>;
  /** Faults for the next requests, consumed in order; when empty, `steady` decides. */
  readonly faults: Fault[];
  /** The fault of every request the queue says nothing about (a provider's current state). @default ok */
  steady: () => Fault;
  /** Requests whose upstream connection was closed by the client before the answer finished. */
  aborted: number;
  close(): Promise<void>;
}

export interface FakeProviderOptions {
  readonly format: ProviderWireFormat;
  /** The words the model answers with. */
  readonly words?: string[];
  readonly usage?: FakeUsage;
  readonly model?: string;
  /**
   * Fetch the media URLs of content parts before answering, as vLLM does with image, audio and
   * video URLs: what makes a forged URL dangerous, and what an SSRF drill must prove never happens.
   */
  readonly fetchesMedia?: boolean;
  /** The embedding model: a text's vector. @default [0.6, 0.8, index] for every input */
  readonly embed?: (text: string) => number[];
}

const DEFAULT_WORDS = ['The ', 'quick ', 'brown ', 'fox ', 'jumps.'];
const DEFAULT_USAGE: FakeUsage = { input: 21, output: 5, cachedInput: 8 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

export async function startFakeProvider(options: FakeProviderOptions): Promise<FakeProvider> {
  const words = options.words ?? DEFAULT_WORDS;
  const usage = options.usage ?? DEFAULT_USAGE;
  const model =
    options.model ?? { openai: 'gpt-fake-1', anthropic: 'claude-fake-1', bedrock: 'bedrock-fake-1' }[options.format];
  const sockets = new Set<Socket>();
  const fake: FakeProvider = {
    url: '',
    requests: [],
    faults: [],
    steady: () => ({ kind: 'ok' }),
    aborted: 0,
    close: async () => undefined,
  };

  const server: Server = createServer(async (req, res) => {
    const at = Date.now();
    const body = await readJson(req);
    fake.requests.push({ path: req.url ?? '', headers: req.headers, body, at });
    if (options.fetchesMedia) await fetchMedia(body);
    const fault = fake.faults.shift() ?? fake.steady();
    res.on('close', () => {
      if (!res.writableFinished) fake.aborted++;
    });
    if (fault.kind === 'status') {
      if (fault.after) await fault.after;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter) headers['retry-after'] = fault.retryAfter;
      if (options.format === 'bedrock')
        headers['x-amzn-errortype'] = fault.status === 429 ? 'ThrottlingException' : 'InternalServerException';
      res.writeHead(fault.status, headers).end(JSON.stringify(fault.body ?? errorBody(options.format, fault.status)));
      return;
    }
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'slow-first-byte') await sleep(fault.delayMs);
    if (fault.kind === 'hold') await fault.until;
    if (res.destroyed) return;
    const stream = body.stream === true || (req.url ?? '').endsWith('/converse-stream');
    const tools = body.tools as Array<Record<string, any>> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    const bedrockTools = (body.toolConfig as { tools?: Array<{ toolSpec: { name: string } }> } | undefined)?.tools;
    const toolName: string | undefined = tools?.length
      ? (tools[0].function?.name ?? tools[0].name)
      : bedrockTools?.[0]?.toolSpec.name;
    if (req.url?.endsWith('/embeddings')) return embeddings(res, body, usage, options.embed);
    const context: AnswerContext = { words, usage, model, toolName, fault };
    if (options.format === 'openai') return stream ? openAiStream(res, body, context) : openAiJson(res, context);
    if (options.format === 'bedrock') return stream ? bedrockStream(res, context) : bedrockJson(res, context);
    return stream ? anthropicStream(res, context) : anthropicJson(res, context);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}

/** GETs every `url` / `*_url` string of every content part (one level deep), ignoring failures. */
async function fetchMedia(body: Record<string, unknown>): Promise<void> {
  const urls: string[] = [];
  const isUrlKey = (key: string) => key === 'url' || key.endsWith('_url');
  for (const message of (body.messages as Array<{ content?: unknown }> | undefined) ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as Array<Record<string, unknown>>) {
      for (const [key, value] of Object.entries(part)) {
        if (isUrlKey(key) && typeof value === 'string') urls.push(value);
        if (value && typeof value === 'object') {
          for (const [inner, url] of Object.entries(value))
            if (isUrlKey(inner) && typeof url === 'string') urls.push(url);
        }
      }
    }
  }
  await Promise.all(
    urls.map((url) =>
      fetch(url, { signal: AbortSignal.timeout(500), redirect: 'follow' }).then(
        (response) => response.body?.cancel(),
        () => undefined,
      ),
    ),
  );
}

interface AnswerContext {
  words: string[];
  usage: FakeUsage;
  model: string;
  toolName?: string;
  fault: Fault;
}

function errorBody(format: ProviderWireFormat, status: number): unknown {
  return format === 'openai'
    ? { error: { message: `injected ${status}`, type: 'server_error', code: null } }
    : {
        type: 'error',
        error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message: `injected ${status}` },
      };
}

const TOOL_ARGUMENTS = '{"city":"Paris"}';

function openAiJson(res: ServerResponse, { words, usage, model, toolName }: AnswerContext): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [
        {
          index: 0,
          message: toolName
            ? {
                role: 'assistant',
                content: null,
                tool_calls: [
                  { id: 'call_1', type: 'function', function: { name: toolName, arguments: TOOL_ARGUMENTS } },
                ],
              }
            : { role: 'assistant', content: words.join('') },
          finish_reason: toolName ? 'tool_calls' : 'stop',
        },
      ],
      usage: {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        prompt_tokens_details: { cached_tokens: usage.cachedInput },
      },
    }),
  );
}

async function writeEvents(
  res: ServerResponse,
  events: Array<string | Uint8Array>,
  fault: Fault,
  contentType = 'text/event-stream',
): Promise<void> {
  res.writeHead(200, { 'content-type': contentType });
  for (const [index, event] of events.entries()) {
    if (res.destroyed) return;
    if (fault.kind === 'cut-stream' && index === fault.afterEvents) {
      // Let what was written reach the client first: a cut after the first byte, not a reset.
      await sleep(30);
      res.socket?.destroy();
      return;
    }
    if (fault.kind === 'malformed-chunk' && index === fault.afterEvents) {
      res.write('data: {"this is": not json\n\n');
      res.end();
      return;
    }
    await new Promise<void>((resolve) => res.write(event, () => resolve()));
    if (fault.kind === 'slow-stream') await sleep(fault.gapMs);
  }
  res.end();
}

function openAiStream(res: ServerResponse, body: Record<string, unknown>, context: AnswerContext): Promise<void> {
  const { words, usage, model, toolName, fault } = context;
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const chunk = (delta: object, finish: string | null, extra: object = {}) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '' }, null)];
  if (toolName) {
    events.push(
      chunk(
        { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: toolName, arguments: '' } }] },
        null,
      ),
      chunk({ tool_calls: [{ index: 0, function: { arguments: TOOL_ARGUMENTS.slice(0, 8) } }] }, null),
      chunk({ tool_calls: [{ index: 0, function: { arguments: TOOL_ARGUMENTS.slice(8) } }] }, null),
    );
  } else {
    for (const word of words) events.push(chunk({ content: word }, null));
  }
  events.push(chunk({}, toolName ? 'tool_calls' : 'stop'));
  if (includeUsage) {
    events.push(
      `data: ${JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model,
        choices: [],
        usage: {
          prompt_tokens: usage.input,
          completion_tokens: usage.output,
          total_tokens: usage.input + usage.output,
          prompt_tokens_details: { cached_tokens: usage.cachedInput },
        },
      })}\n\n`,
    );
  }
  events.push('data: [DONE]\n\n');
  return writeEvents(res, events, fault);
}

function anthropicJson(res: ServerResponse, { words, usage, model, toolName }: AnswerContext): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model,
      content: toolName
        ? [{ type: 'tool_use', id: 'toolu_1', name: toolName, input: JSON.parse(TOOL_ARGUMENTS) }]
        : [{ type: 'text', text: words.join('') }],
      stop_reason: toolName ? 'tool_use' : 'end_turn',
      usage: {
        input_tokens: usage.input - usage.cachedInput,
        cache_read_input_tokens: usage.cachedInput,
        cache_creation_input_tokens: 0,
        output_tokens: usage.output,
      },
    }),
  );
}

function anthropicStream(res: ServerResponse, context: AnswerContext): Promise<void> {
  const { words, usage, model, toolName, fault } = context;
  const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const events = [
    event('message_start', {
      message: {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        usage: {
          input_tokens: usage.input - usage.cachedInput,
          cache_read_input_tokens: usage.cachedInput,
          output_tokens: 1,
        },
      },
    }),
    event('ping', {}),
  ];
  if (toolName) {
    events.push(
      event('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_1', name: toolName, input: {} },
      }),
      event('content_block_delta', {
        index: 0,
        delta: { type: 'input_json_delta', partial_json: TOOL_ARGUMENTS.slice(0, 8) },
      }),
      event('content_block_delta', {
        index: 0,
        delta: { type: 'input_json_delta', partial_json: TOOL_ARGUMENTS.slice(8) },
      }),
      event('content_block_stop', { index: 0 }),
    );
  } else {
    events.push(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
    for (const word of words)
      events.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } }));
    events.push(event('content_block_stop', { index: 0 }));
  }
  events.push(
    event('message_delta', {
      delta: { stop_reason: toolName ? 'tool_use' : 'end_turn' },
      usage: { output_tokens: usage.output },
    }),
    event('message_stop', {}),
  );
  return writeEvents(res, events, fault);
}

function embeddings(
  res: ServerResponse,
  body: Record<string, unknown>,
  usage: FakeUsage,
  embed: (text: string, index: number) => number[] = (_, index) => [0.6, 0.8, index],
): void {
  const inputs = (Array.isArray(body.input) ? body.input : [body.input]) as string[];
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      object: 'list',
      data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: embed(text, index) })),
      model: 'embed-fake-1',
      usage: { prompt_tokens: usage.input, total_tokens: usage.input },
    }),
  );
}

const bedrockUsage = (usage: FakeUsage) => ({
  inputTokens: usage.input - usage.cachedInput,
  cacheReadInputTokens: usage.cachedInput,
  outputTokens: usage.output,
  totalTokens: usage.input + usage.output,
});

function bedrockJson(res: ServerResponse, { words, usage, toolName }: AnswerContext): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      output: {
        message: {
          role: 'assistant',
          content: toolName
            ? [{ toolUse: { toolUseId: 'tooluse_1', name: toolName, input: JSON.parse(TOOL_ARGUMENTS) } }]
            : [{ text: words.join('') }],
        },
      },
      stopReason: toolName ? 'tool_use' : 'end_turn',
      usage: bedrockUsage(usage),
      metrics: { latencyMs: 1 },
    }),
  );
}

const eventStreamCodec = new EventStreamCodec(toUtf8, fromUtf8);

/** One ConverseStream event in the AWS binary event-stream framing the SDK decodes. */
function awsEvent(type: string, payload: object): Uint8Array {
  return eventStreamCodec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function bedrockStream(res: ServerResponse, { words, usage, toolName, fault }: AnswerContext): Promise<void> {
  const events = [awsEvent('messageStart', { role: 'assistant' })];
  if (toolName) {
    events.push(
      awsEvent('contentBlockStart', {
        contentBlockIndex: 0,
        start: { toolUse: { toolUseId: 'tooluse_1', name: toolName } },
      }),
      awsEvent('contentBlockDelta', {
        contentBlockIndex: 0,
        delta: { toolUse: { input: TOOL_ARGUMENTS.slice(0, 8) } },
      }),
      awsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: TOOL_ARGUMENTS.slice(8) } } }),
    );
  } else {
    for (const word of words)
      events.push(awsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: word } }));
  }
  events.push(
    awsEvent('contentBlockStop', { contentBlockIndex: 0 }),
    awsEvent('messageStop', { stopReason: toolName ? 'tool_use' : 'end_turn' }),
    awsEvent('metadata', { usage: bedrockUsage(usage), metrics: { latencyMs: 1 } }),
  );
  return writeEvents(res, events, fault, 'application/vnd.amazon.eventstream');
}
