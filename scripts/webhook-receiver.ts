/**
 * A webhook receiver for trying async jobs locally: verifies each delivery's Standard Webhooks
 * signature and timestamp with the signing secret, refuses a replayed id, and prints the event.
 *
 *   npm run webhook:receive [-- --port 4100]
 *
 * It verifies with JOBS_WEBHOOK_SECRET when set, else with the secret the local server generated
 * and keeps in .local/jobs-webhook-secret (the server never prints it).
 *
 * Answers 204 to a verified delivery and 400 (with the reason) to any other, as a real receiver
 * should: the sender's retries are then only for deliveries that did not arrive.
 */
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import { MemoryReplayGuard, WebhookRejectedError, WebhookVerifier } from '../lambda/core/jobs/webhook';
import { LOCAL_WEBHOOK_SECRET_FILE, receiverWebhookSecret } from '../lambda/local/local-secrets';

export function startWebhookReceiver(
  secret: string,
  port: number,
  out: (line: string) => void = console.log,
): Promise<Server> {
  const verifier = new WebhookVerifier(secret, new MemoryReplayGuard());
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      verifier
        .verify(body, req.headers as Record<string, string | undefined>)
        .then((payload) => {
          out(`verified ${req.headers['webhook-id']}: ${JSON.stringify(payload)}`);
          res.writeHead(204).end();
        })
        .catch((error: unknown) => {
          const reason = error instanceof WebhookRejectedError ? error.message : 'could not verify';
          out(`rejected ${req.headers['webhook-id'] ?? '(no id)'}: ${reason}`);
          res.writeHead(400, { 'content-type': 'text/plain' }).end(reason);
        });
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (require.main === module) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4100' } } });
  const secret = receiverWebhookSecret(process.env);
  if (!secret) {
    console.error(
      `No signing secret: start the local server (npm start) first, which writes ${LOCAL_WEBHOOK_SECRET_FILE}, or set JOBS_WEBHOOK_SECRET to the secret it signs with.`,
    );
    process.exit(1);
  }
  void startWebhookReceiver(secret, Number(values.port)).then(() =>
    console.log(`webhook receiver on http://127.0.0.1:${values.port}/ (verifying Standard Webhooks signatures)`),
  );
}
