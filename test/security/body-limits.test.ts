import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LINGER } from '../../lambda/local/request-body';
import { KEYS, startHarness, type Harness } from '../gateway/harness';

/**
 * Oversized and deeply nested bodies are refused before they cost memory: an oversized body is
 * not read past the limit (not even when it comes without a Content-Length), and a nested one is
 * never handed to JSON.parse. Heap figures are taken around each refusal in this process, with
 * V8's collector run first, beside what parsing the same body would have kept.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;
const heapAfterGc = () => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ maxBodyBytes: 4 * MB }); // the production default
});
afterAll(() => h.close());

/** POSTs `body` in 64 kB chunks, without a Content-Length; resolves with the status and the bytes the server read. */
function postChunked(body: Buffer): Promise<{ status: number; json: { error: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${h.local.url}/v1/chat/completions`,
      { method: 'POST', headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close the connection while the rest of the body is still being sent.
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    let at = 0;
    const pump = () => {
      while (at < body.length) {
        const more = req.write(body.subarray(at, (at += 64 * 1024)));
        if (!more) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

test('a 64 MB body sent without Content-Length is refused at the 4 MB limit: 413, the rest is read only as far as the lingering close allows, and the heap does not grow with it', async () => {
  const body = Buffer.alloc(64 * MB, 'a');
  let bytesRead = 0;
  h.local.server.once('request', (req) => req.socket.once('close', () => (bytesRead = req.socket.bytesRead)));
  const before = heapAfterGc();
  const { status, json } = await postChunked(body);
  expect(status).toBe(413);
  expect(json.error.code).toBe('request_too_large');
  // Measured once the server's socket has closed, so that what a busy machine still had in flight
  // on it (read and about to be thrown away) is not counted as growth.
  for (let i = 0; i < 100 && bytesRead === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  // A buffer's memory goes back a little after the collection that frees it: collect, let the
  // finalizers run, collect again.
  heapAfterGc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const grown = heapAfterGc() - before;
  // The limit, what the lingering close reads and throws away so the client can read the 413, and
  // what was in flight: never the whole 64 MB.
  expect(bytesRead).toBeLessThan(4 * MB + LINGER.bytes + 2 * MB);
  // Far below the 64 MB a body read whole would hold; a loaded machine returns socket buffers late.
  expect(grown).toBeLessThan(16 * MB);
});

test('a body nested 2 million levels deep is refused with a 400 before JSON.parse sees it', async () => {
  const depth = 2_000_000;
  const body = Buffer.from(`{"model":"chat-a","messages":${'['.repeat(depth)}${']'.repeat(depth)}}`);
  expect(body.length).toBeLessThan(4 * MB);

  // What parsing it would cost: the parsed structure alone, kept.
  const beforeParse = heapAfterGc();
  const parsed = JSON.parse(body.toString('utf8')) as unknown;
  const parseCost = heapAfterGc() - beforeParse;
  expect(parsed).toBeDefined();

  const parse = jest.spyOn(JSON, 'parse');
  const before = heapAfterGc();
  const response = await h.local.gateway.handle({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${KEYS.full}` },
    body,
    signal: new AbortController().signal,
  });
  const peakAfter = process.memoryUsage().heapUsed; // before any collection: what the refusal allocated
  const grown = peakAfter - before;
  parse.mockRestore();
  expect(response.status).toBe(400);
  expect(JSON.parse((response as { body: string }).body).error.code).toBe('json_too_deep');
  expect(parse).not.toHaveBeenCalledWith(expect.stringContaining('[[['));
  // Relative, not absolute: how many bytes V8 spends per nested array differs between Node versions
  // (60 MB here, 47 MB on CI), and what matters is that the refusal costs a sliver of a parse.
  expect(parseCost).toBeGreaterThan(20 * MB);
  expect(grown).toBeLessThan(Math.min(2 * MB, parseCost / 20));
});

test('nesting within the limit is parsed as usual; one level past it is refused', async () => {
  const nested = (levels: number) => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { x: schema } };
    return schema;
  };
  const call = (levels: number) =>
    fetch(`${h.local.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'chat-a',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: nested(levels) } }],
      }),
    });
  // tools[0].function.parameters sits 4 levels down; each schema level adds two (object, properties).
  expect((await call(29)).status).toBe(200); // 4 + 2 x 29 + 1 = 63 levels
  const refused = await call(30); // 65 levels
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/more than 64 levels deep/);
});
