import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportListening } from './child';

/**
 * The benchmarks' upstream: OpenAI's chat-completions wire format (JSON, and SSE when the request
 * asks to stream) answered as cheaply as a server can, so that what is measured is the gateway.
 * Unlike the tests' fake providers it keeps nothing per request and injects no faults.
 *
 * Run as a child process (see bench/support/targets.ts): MOCK_CHUNKS content chunks per stream,
 * MOCK_GAP_MS between them.
 */
const CHUNKS = Number(process.env.MOCK_CHUNKS ?? 5);
const GAP_MS = Number(process.env.MOCK_GAP_MS ?? 0);

const usage = { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS };
const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-fake-1',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'word '.repeat(CHUNKS) },
      finish_reason: 'stop',
      logprobs: null,
    },
  ],
  usage,
});
const chunk = (delta: object, finish: string | null, extra: object = {}) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-fake-1',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  })}\n\n`;
const FIRST = chunk({ role: 'assistant', content: '' }, null);
const WORD = chunk({ content: 'word ' }, null);
const LAST = `${chunk({}, 'stop')}data: ${JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-fake-1',
  choices: [],
  usage,
})}\n\ndata: [DONE]\n\n`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stream(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(FIRST);
  for (let i = 0; i < CHUNKS; i++) {
    if (GAP_MS > 0) await sleep(GAP_MS);
    if (res.destroyed) return;
    res.write(WORD);
  }
  res.end(LAST);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    // A cheap look for `"stream":true` rather than a parse: the body is the gateway's, not ours to check.
    const body = Buffer.concat(chunks).toString('utf8');
    if (/"stream"\s*:\s*true/.test(body)) {
      void stream(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
    res.end(completion);
  });
}

if (require.main === module) {
  const server = createServer(handle);
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => reportListening((server.address() as AddressInfo).port));
}
