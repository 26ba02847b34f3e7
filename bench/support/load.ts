import { Agent, request } from 'node:http';
import { ascending } from './stats';
import type { Target } from './targets';

/**
 * Load generation. Two shapes:
 *
 * - `once`: one request at a time (concurrency 1) over one keep-alive connection per target.
 * - `openLoop`: requests sent on a fixed schedule, whether or not earlier ones have answered, with
 *   every latency measured from the moment its request was due, not from when it was sent. A server
 *   that stalls therefore shows its stall in every request that should have been sent meanwhile:
 *   no coordinated omission (the wrk2 method). Closed-loop tools (autocannon, wrk) wait for an
 *   answer before sending the next request on a connection, so a stall hides the requests that
 *   were never sent.
 */
export interface Exchange {
  readonly status: number;
  /** Milliseconds from due (or sent) to the end of the response. */
  readonly totalMs: number;
  /** Streams: milliseconds to the first content chunk. */
  readonly firstTokenMs?: number;
  /** Streams: milliseconds between consecutive content chunks. */
  readonly gapsMs?: number[];
}

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
}

const CONTENT = '"content":"word';

/** Sends one request; times are measured from `dueAt` (performance.now() clock). */
export function send(
  target: Target,
  agent: Agent,
  i: number,
  options: { stream?: boolean; dueAt?: number } = {},
): Promise<Exchange> {
  const body = target.body(i, options.stream);
  const dueAt = options.dueAt ?? performance.now();
  return new Promise((resolve) => {
    const req = request(
      target.url,
      {
        method: 'POST',
        agent,
        headers: { ...target.headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let firstTokenMs: number | undefined;
        let last = 0;
        const gapsMs: number[] = [];
        res.on('data', (chunk: Buffer) => {
          if (!options.stream) return;
          // Chunks can carry several frames; each content frame counts as one token here.
          const text = chunk.toString('utf8');
          const now = performance.now();
          for (let at = text.indexOf(CONTENT); at !== -1; at = text.indexOf(CONTENT, at + 1)) {
            if (firstTokenMs === undefined) firstTokenMs = now - dueAt;
            else gapsMs.push(now - last);
            last = now;
          }
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            totalMs: performance.now() - dueAt,
            firstTokenMs,
            gapsMs: options.stream ? gapsMs : undefined,
          }),
        );
        res.on('error', () => resolve({ status: 0, totalMs: performance.now() - dueAt }));
      },
    );
    req.on('error', () => resolve({ status: 0, totalMs: performance.now() - dueAt }));
    req.end(body);
  });
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  /** Answered within the run plus its grace period. */
  readonly achievedRate: number;
  /** Ascending latencies of successful requests, from their due time. */
  readonly latencies: number[];
}

/**
 * Sends `rate` requests a second for `seconds`, on schedule, and waits for the answers (up to
 * `graceMs` after the last was due; later ones count as errors).
 */
export async function openLoop(
  target: Target,
  rate: number,
  seconds: number,
  options: { firstIndex?: number; graceMs?: number; maxSockets?: number } = {},
): Promise<OpenLoopResult> {
  const agent = keepAliveAgent(options.maxSockets ?? 512);
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now() + 20;
  const pending: Array<Promise<Exchange>> = [];
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        pending.push(send(target, agent, (options.firstIndex ?? 0) + sent, { dueAt: start + sent * interval }));
        sent++;
      }
      if (sent >= total) return done();
      const wait = start + sent * interval - performance.now();
      // Timers have a 1 ms granularity: sleep when the next request is far off, else poll.
      if (wait > 2) setTimeout(tick, wait - 1);
      else setImmediate(tick);
    };
    tick();
  });
  const deadline = start + total * interval + (options.graceMs ?? 5_000);
  const results = await Promise.all(
    pending.map((p) =>
      Promise.race([
        p,
        new Promise<Exchange>((resolve) => {
          const timer = setTimeout(() => resolve({ status: -1, totalMs: Infinity }), deadline - performance.now());
          void p.then(() => clearTimeout(timer));
        }),
      ]),
    ),
  );
  agent.destroy();
  const ok = results.filter((r) => r.status === 200);
  let lastAnswer = start;
  results.forEach((r, i) => {
    if (r.status === 200) lastAnswer = Math.max(lastAnswer, start + i * interval + r.totalMs);
  });
  const elapsed = (lastAnswer - start) / 1000;
  return {
    rate,
    sent,
    ok: ok.length,
    errors: results.length - ok.length,
    achievedRate: ok.length / Math.max(elapsed, seconds),
    latencies: ascending(ok.map((r) => r.totalMs)),
  };
}
