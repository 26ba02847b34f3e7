import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job } from '../../lambda/core/jobs/job';
import { WebhookDeliverer, WebhookSigner, publicWebhookUrls } from '../../lambda/core/jobs/webhook';
import { AddressRefusedError, guardedWebhookPost, localWebhookPost } from '../../lambda/core/jobs/webhook-post';

/**
 * A webhook's connection goes where its own DNS look-up says, and that look-up is the one checked:
 * a name that answers a public address to the URL check and a private one to the connection (DNS
 * rebinding) is refused, and nothing reaches the private address. The receiver here listens on
 * loopback, standing in for an address inside the VPC.
 */
const SECRET = 'bG9jYWwtd2ViaG9vay1zZWNyZXQtZm9yLXRlc3Rz';
let receiver: Server;
let port: number;
let received = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    received++;
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));
beforeEach(() => (received = 0));

const job = (webhookUrl: string): Job => ({
  id: 'job_0123456789abcdef0123456789abcdef',
  owner: { tenant: 't' },
  endpoint: '/v1/embeddings',
  request: {},
  webhookUrl,
  status: 'succeeded',
  attempts: 1,
  createdAt: new Date(),
  updatedAt: new Date(),
  expiresAt: new Date(),
});

test('a name that rebinds to a private address between the check and the connection is refused; nothing is sent', async () => {
  let asked = 0;
  // The first answer (the URL check's) is public; every later one (the connection's) is loopback.
  const rebinding = async () => (asked++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']);
  const deliverer = new WebhookDeliverer({
    signer: new WebhookSigner(SECRET),
    checkUrl: publicWebhookUrls(rebinding),
    post: guardedWebhookPost({ resolve: rebinding }),
  });
  const delivery = await deliverer.deliver(job('https://hooks.example.com/hook'));
  expect(delivery).toMatchObject({ delivered: false, attempts: 1 });
  expect(delivery.outcome).toMatch(/hooks\.example\.com resolves to an address that is not public/);
  expect(asked).toBe(2);
  expect(received).toBe(0);
});

test('the connection uses the guarded look-up: a name only it knows is delivered to, when its address is allowed', async () => {
  const resolve = async (host: string) => (host === 'receiver.example.test' ? ['127.0.0.1'] : []);
  const status = await localWebhookPost(resolve)(`http://receiver.example.test:${port}/hook`, {}, '{}', 2_000);
  expect(status).toBe(204);
  expect(received).toBe(1);
});

test('one private address among public ones is enough to refuse', async () => {
  const post = guardedWebhookPost({ resolve: async () => ['93.184.216.34', '10.0.0.7'] });
  await expect(post(`http://mixed.example.com:${port}/hook`, {}, '{}', 2_000)).rejects.toBeInstanceOf(
    AddressRefusedError,
  );
  expect(received).toBe(0);
});

test('a redirect is not followed', async () => {
  const redirecting = createServer((_, res) => res.writeHead(307, { location: `http://127.0.0.1:${port}/` }).end());
  await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
  try {
    const at = (redirecting.address() as AddressInfo).port;
    const status = await localWebhookPost()(`http://127.0.0.1:${at}/hook`, {}, '{}', 2_000);
    expect(status).toBe(307);
    expect(received).toBe(0);
  } finally {
    await new Promise((resolve) => redirecting.close(resolve));
  }
});
