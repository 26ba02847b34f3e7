import type { IncomingMessage, ServerResponse } from 'node:http';

/** What reading a request body came to. */
export type BodyOutcome =
  | { readonly kind: 'read'; readonly body: Uint8Array }
  /** Over the limit: nothing past the limit was kept. */
  | { readonly kind: 'too-large' }
  /** The client went away (reset or aborted) before the body ended: there is nobody to answer. */
  | { readonly kind: 'gone' };

/**
 * Reads the body up to `limit` bytes. A body over the limit is refused without buffering the rest,
 * so an oversized request costs no memory. Never rejects: a client that disconnects mid-body is an
 * outcome, not an exception (an unhandled one would end the process).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyOutcome> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: BodyOutcome) => {
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle({ kind: 'too-large' });
      else chunks.push(chunk);
    };
    const onEnd = () => settle({ kind: 'read', body: Buffer.concat(chunks) });
    const onGone = () => settle({ kind: 'gone' });
    const onClose = () => {
      if (!req.complete) settle({ kind: 'gone' });
    };
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onClose);
  });
}

/** How long, and how much, a refused upload is read and thrown away before the connection is cut. */
export const LINGER = { ms: 5_000, bytes: 8 * 1024 * 1024 } as const;

/**
 * Answers a request whose body will not be read (too large), without resetting the connection under
 * a client that is still sending. Closing a socket with unread input makes the kernel send a reset,
 * which can destroy the answer before the client reads it (Node's `fetch` then sees "other side
 * closed" and the OpenAI SDK retries the whole upload). So: send the answer, half-close (FIN), and
 * keep reading and discarding what the client still sends, as web servers' "lingering close" does,
 * until it closes its side or `LINGER` runs out.
 */
export function answerAndLinger(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  const socket = req.socket;
  const discarded = socket.bytesRead;
  const cut = () => socket.destroy();
  const timer = setTimeout(cut, LINGER.ms);
  timer.unref();
  const watch = () => {
    if (socket.bytesRead - discarded > LINGER.bytes) cut();
  };
  socket.on('data', watch);
  socket.once('close', () => {
    clearTimeout(timer);
    socket.off('data', watch);
  });
  req.on('error', () => undefined); // a reset while lingering is expected
  req.resume(); // read and discard the rest of the body
  res.writeHead(status, headers).end(body, () => socket.end());
}
