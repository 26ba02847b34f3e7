import { createServer, type Server, type AddressInfo } from 'node:net';
import { isPublicAddress } from '../../lambda/core/openai/remote-urls';
import { KEYS, startHarness, type Harness } from '../gateway/harness';

/**
 * SSRF drill: every URL a provider could be made to fetch (image, audio, video and file parts) is
 * tried with addresses that reach into the network: loopback in every spelling the URL parser
 * accepts, private and link-local ranges, the cloud metadata endpoints (169.254.169.254 and
 * fd00:ec2::254), IPv6 and IPv4-mapped forms, names that resolve to such addresses, and redirectors
 * on loopback. The model used is the self-hosted one (an OpenAI-compatible server like vLLM, which
 * fetches media URLs itself from inside the VPC). Each must be a 400 naming the field, with no call
 * to the provider and no connection to a listener standing where the URLs point.
 */
let listener: Server;
let port: number;
let connections = 0;
let h: Harness;

/** What DNS answers for the names the vectors use; anything else does not resolve. */
const DNS: Record<string, string[]> = {
  'images.example.com': ['93.184.216.34'],
  'internal.example.com': ['10.0.0.5'],
  'loopback.example.com': ['127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
  'imds-v6.example.com': ['fd00:ec2::254'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'nat64.example.com': ['64:ff9b::a9fe:a9fe'],
  'half-private.example.com': ['93.184.216.34', '192.168.1.10'],
  'cgnat.example.com': ['100.64.0.1'],
};

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
  h = await startHarness({
    resolveHost: async (host) => {
      const addresses = DNS[host];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return addresses;
    },
  });
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => listener.close(resolve));
});

const vectors = (): string[] => [
  // Loopback, in the spellings the WHATWG URL parser turns into 127.0.0.1 or ::1.
  `https://127.0.0.1:${port}/x.png`,
  `https://127.0.0.1/x.png`,
  `http://127.0.0.1:${port}/x.png`,
  `https://localhost:${port}/x.png`,
  `https://localhost/x.png`,
  `https://sub.localhost/x.png`,
  `https://2130706433/x.png`, // decimal
  `https://0x7f000001/x.png`, // hex
  `https://017700000001/x.png`, // octal
  `https://0177.0.0.1/x.png`, // octal octet
  `https://127.1/x.png`, // short form
  `https://%31%32%37.0.0.1/x.png`, // percent-encoded
  `https://0/x.png`, // 0.0.0.0
  `https://[::1]/x.png`,
  `https://[::]/x.png`,
  `https://[::ffff:127.0.0.1]/x.png`, // IPv4-mapped
  `https://[::ffff:7f00:1]/x.png`,
  `https://[0:0:0:0:0:ffff:127.0.0.1]/x.png`,
  // Cloud metadata.
  'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://169.254.169.254/latest/meta-data/',
  'https://169.254.169.254./latest/meta-data/', // trailing dot
  'https://[fd00:ec2::254]/latest/meta-data/',
  'https://[::ffff:169.254.169.254]/latest/meta-data/',
  'https://[64:ff9b::a9fe:a9fe]/latest/meta-data/', // NAT64
  'https://[2002:a9fe:a9fe::]/latest/meta-data/', // 6to4
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://instance-data/latest/meta-data/', // single label
  // Private, shared and link-local ranges.
  'https://10.0.0.1/x.png',
  'https://172.16.0.1/x.png',
  'https://192.168.0.1/x.png',
  'https://100.64.0.1/x.png',
  'https://169.254.1.1/x.png',
  'https://[fe80::1]/x.png',
  'https://[fc00::1]/x.png',
  'https://224.0.0.1/x.png', // multicast
  // Names that resolve into the network, or do not resolve.
  'https://internal.example.com/x.png',
  'https://loopback.example.com/x.png',
  'https://metadata.example.com/latest/meta-data/',
  'https://imds-v6.example.com/latest/meta-data/',
  'https://mapped.example.com/x.png',
  'https://nat64.example.com/x.png',
  'https://half-private.example.com/x.png', // one private address is enough to refuse
  'https://cgnat.example.com/x.png',
  'https://does-not-resolve.example.com/x.png',
  // Redirectors on loopback, and other ways around the rules.
  `https://127.0.0.1:${port}/redirect?to=https://images.example.com/x.png`,
  `https://localhost:${port}/302?location=http://169.254.169.254/`,
  'https://user:password@images.example.com/x.png', // credentials
  `https://images.example.com:${port}/x.png`, // a public name on another port
  'http://images.example.com/x.png', // plain http
  `file:///etc/passwd`,
  `gopher://127.0.0.1:${port}/_GET`,
  `ftp://127.0.0.1:${port}/x.png`,
  'javascript:alert(1)',
  'not a url',
];

/** The fields a provider might fetch, each wrapping a URL in the shape of its content part. */
const FIELDS: Record<string, (url: string) => Record<string, unknown>> = {
  image_url: (url) => ({ type: 'image_url', image_url: { url } }),
  audio_url: (url) => ({ type: 'audio_url', audio_url: { url } }), // vLLM
  video_url: (url) => ({ type: 'video_url', video_url: { url } }), // vLLM
  input_image: (url) => ({ type: 'input_image', image_url: url }), // Responses-style shorthand
  file_url: (url) => ({ type: 'file', file: { file_id: 'file-1', file_url: url } }),
};

async function send(
  part: Record<string, unknown>,
  model = 'local-llm',
): Promise<{ status: number; body: { error?: { code?: string; param?: string; message: string } } }> {
  const response = await fetch(`${h.local.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe this.' }, part] }],
    }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { code?: string; param?: string; message: string } },
  };
}

test('control: the self-hosted fake fetches the URLs it is given, and the listener counts the connection', async () => {
  const before = connections;
  const direct = await fetch(`${h.openai.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: [FIELDS.image_url(`http://127.0.0.1:${port}/x.png`)] }],
    }),
  });
  expect(direct.status).toBe(200);
  expect(connections).toBe(before + 1);
  h.openai.requests.length = 0;
});

test('at least 30 distinct vectors', () => {
  expect(new Set(vectors()).size).toBeGreaterThanOrEqual(30);
});

test.each(Object.keys(FIELDS))(
  'every vector in %s: a 400 naming the field, no provider call, no connection',
  async (field) => {
    h.openai.requests.length = 0;
    const before = connections;
    for (const url of vectors()) {
      const { status, body } = await send(FIELDS[field](url));
      expect({ url, status, code: body.error?.code }).toEqual({ url, status: 400, code: 'url_not_allowed' });
      expect(body.error?.param).toMatch(/^messages\.0\.content\.1\./);
      expect(body.error?.message).toMatch(/^Invalid value for 'messages\.0\.content\.1\.[a-z_.]+': /);
    }
    expect(h.openai.requests).toHaveLength(0);
    expect(connections).toBe(before);
    // Refusals are accounted as such, before any provider attempt.
    expect(h.traces.records.slice(-3).every((t) => t.status === 400 && t.attempts === 0)).toBe(true);
  },
);

test('the same URLs through every provider kind are refused before any call', async () => {
  h.openai.requests.length = 0;
  h.anthropic.requests.length = 0;
  for (const model of ['chat-a', 'claude', 'local-llm']) {
    for (const url of [`https://127.0.0.1:${port}/x.png`, 'https://169.254.169.254/', 'https://[fd00:ec2::254]/']) {
      expect((await send(FIELDS.image_url(url), model)).status).toBe(400);
    }
  }
  expect(h.openai.requests).toHaveLength(0);
  expect(h.anthropic.requests).toHaveLength(0);
  expect(connections).toBe(1); // the control's
});

test('a public https URL and a data: URL are passed on (the guard is not a wall)', async () => {
  h.openai.requests.length = 0;
  expect((await send(FIELDS.image_url('https://images.example.com/cat.png'))).status).toBe(200);
  expect((await send(FIELDS.image_url('data:image/png;base64,iVBORw0KGgo='))).status).toBe(200);
  expect(h.openai.requests).toHaveLength(2);
  const forwarded = (h.openai.requests[0].body.messages as Array<{ content: Array<Record<string, unknown>> }>)[0];
  expect(forwarded.content[1]).toEqual({ type: 'image_url', image_url: { url: 'https://images.example.com/cat.png' } });
});

test('with remoteUrls.allow "none", only data: URLs are accepted', async () => {
  const strict = await startHarness({ remoteUrls: { allow: 'none' } });
  try {
    const refused = await fetch(`${strict.local.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'local-llm',
        messages: [{ role: 'user', content: [FIELDS.image_url('https://images.example.com/cat.png')] }],
      }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/only data: URLs/);
    expect(strict.openai.requests).toHaveLength(0);
  } finally {
    await strict.close();
  }
});

test('address classification', () => {
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
    expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: true });
  }
  for (const address of [
    '127.0.0.1',
    '10.1.2.3',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.100.100.200', // Alibaba Cloud's metadata, in the shared range
    '0.0.0.0',
    '255.255.255.255',
    '::1',
    '::',
    'fd00:ec2::254',
    'fe80::1',
    '::ffff:10.0.0.1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::',
    '2001:db8::1',
    'not-an-address',
  ]) {
    expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: false });
  }
});
