import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { LOCAL_DEVELOPMENT_KEY } from '../../lambda/runtime/embedded-config';

/**
 * `npm start` as a user runs it, in a process of its own, driven from outside with raw sockets,
 * `fetch` and the official client: hostile or broken requests are answered or dropped, and the
 * process goes on serving. (A rejection that escapes a `node:http` listener ends the process.)
 */
const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const REDIS_PASSWORD = 's3cr3t-redis-pw';

let child: ChildProcess;
let url: string;
let output = '';
let workdir: string;

beforeAll(async () => {
  workdir = mkdtempSync(path.join(tmpdir(), 'local-server-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    REDIS_URL: `redis://default:${REDIS_PASSWORD}@127.0.0.1:6379`,
  };
  for (const name of ['JOBS_WEBHOOK_SECRET', 'GATEWAY_CONFIG', 'DATABASE_URL', 'HOST']) delete env[name];
  child = spawn(process.execPath, [TSX, path.join(ROOT, 'lambda/local/server.ts')], { cwd: workdir, env });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  url = await new Promise<string>((resolve, reject) => {
    const seen = () => {
      const match = /listening on (http:\/\/[^\s]+)\/v1/.exec(output);
      if (match && /API key:/.test(output)) resolve(match[1]);
    };
    child.stdout!.on('data', seen);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}, 90_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

const health = async () => (await fetch(`${url}/v1/health`)).status;

/** Sends raw bytes on a new connection; resolves with whatever came back before the server closed it. */
function raw(bytes: string, options: { reset?: boolean } = {}): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.write(bytes, () => {
      if (options.reset) socket.resetAndDestroy();
      else setTimeout(() => socket.end(), 200);
    });
  });
}

test('clients that reset mid-body, and malformed absolute-form targets, leave the process serving', async () => {
  const partial =
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Authorization: Bearer ${LOCAL_DEVELOPMENT_KEY}\r\nContent-Length: 100000\r\n\r\n{"model":"builtin-chat","mess`;
  for (let i = 0; i < 5; i++) await raw(partial, { reset: true });
  const malformed = await raw('GET http://[::1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  expect(malformed).toMatch(/^HTTP\/1\.1 400/);
  expect(await health()).toBe(200);
  expect(child.exitCode).toBeNull();
});

test('an oversized body is a 413 every time, read by fetch and by the official client (no reset)', async () => {
  const content = 'a'.repeat(4 * 1024 * 1024 + 1024); // over the default 4 MiB limit
  for (let i = 0; i < 10; i++) {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_DEVELOPMENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'builtin-chat', messages: [{ role: 'user', content }] }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
  }
  const client = new OpenAI({ apiKey: LOCAL_DEVELOPMENT_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
  for (let i = 0; i < 5; i++) {
    const error = await client.chat.completions
      .create({ model: 'builtin-chat', messages: [{ role: 'user', content }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
  }
  expect(child.exitCode).toBeNull();
}, 60_000);

test('a long model name is refused at once with a short answer, on every route that takes one', async () => {
  const model = 'm'.repeat(80_000);
  const post = (route: string, body: unknown) =>
    fetch(`${url}/v1${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_DEVELOPMENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const answers = await Promise.all([
    post('/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }),
    post('/embeddings', { model, input: 'hi' }),
    post('/jobs', { endpoint: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }] } }),
    post('/collections', { name: 'c1', model }),
  ]);
  for (const answer of answers) {
    expect(answer.status).toBe(400);
    const text = await answer.text();
    expect(text.length).toBeLessThan(1_000); // the name is not echoed back
    expect(JSON.parse(text).error.param).toMatch(/model$/);
  }
});

test('a malformed percent-encoding in a path is a 401 without a key and a 4xx with one, never a 500', async () => {
  for (const route of ['/jobs/%zz', '/jobs/%E0%A4%A', '/collections/%zz', '/collections/%zz/search']) {
    const method = route.endsWith('/search') ? 'POST' : 'GET';
    const anonymous = await fetch(`${url}/v1${route}`, { method, body: method === 'POST' ? '{}' : undefined });
    expect(anonymous.status).toBe(401);
    const keyed = await fetch(`${url}/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${LOCAL_DEVELOPMENT_KEY}` },
      body: method === 'POST' ? '{"query":"x"}' : undefined,
    });
    expect([400, 404]).toContain(keyed.status);
  }
  expect(await health()).toBe(200);
});

test('the start-up banner shows no password or secret, and says where the webhook secret is', async () => {
  const secretFile = path.join(workdir, '.local', 'jobs-webhook-secret');
  const secret = readFileSync(secretFile, 'utf8').trim();
  expect(secret.length).toBeGreaterThanOrEqual(24);
  expect(statSync(secretFile).mode & 0o077).toBe(0); // owner-only
  expect(output).not.toContain(REDIS_PASSWORD);
  expect(output).not.toContain(secret);
  expect(output).toContain('Redis at redis://default:****@127.0.0.1:6379');
  expect(output).toContain('webhooks signed with: the secret in .local/jobs-webhook-secret');
});

test('`npm run webhook:receive` finds the secret the server wrote, without it being set or printed', async () => {
  const receiver = spawn(process.execPath, [TSX, path.join(ROOT, 'scripts/webhook-receiver.ts'), '--port', '0'], {
    cwd: workdir,
    env: { ...process.env, JOBS_WEBHOOK_SECRET: '' },
  });
  let said = '';
  receiver.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
  receiver.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    receiver.stdout.on('data', () => /webhook receiver on/.test(said) && resolve());
    receiver.once('exit', (code) => reject(new Error(`the receiver exited with ${code}: ${said}`)));
  });
  receiver.kill();
  expect(said).not.toContain(readFileSync(path.join(workdir, '.local', 'jobs-webhook-secret'), 'utf8').trim());
}, 30_000);
