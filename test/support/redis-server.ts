import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';

/**
 * A Redis server of the test's own, for drills that kill and restart it: the shared Redis on 6379
 * is never stopped. Needs `redis-server` on the PATH (it is, wherever the shared Redis runs).
 */
export interface DisposableRedis {
  readonly port: number;
  readonly url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused while the server starts: the loop tries again
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
  throw new Error(`redis-server at ${url} did not start`);
}

/** `cpu` pins the server to one core with taskset (benchmarks keep it off the measured core). */
export async function startDisposableRedis(options: { cpu?: number } = {}): Promise<DisposableRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const server = ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const command = options.cpu === undefined ? server : ['taskset', '-c', String(options.cpu), ...server];
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const start = async () => {
    // A second server on the same port would fail to bind while the first lives on, orphaned.
    if (running()) throw new Error(`redis-server on ${port} is already running: kill it before restarting`);
    child = spawn(command[0], command.slice(1), { stdio: 'ignore' });
    child.on('error', (error) => {
      throw new Error(`cannot start redis-server (is it installed?): ${error.message}`);
    });
    await waitUntilUp(url);
  };
  const kill = async () => {
    if (!running()) return;
    const current = child!;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, url, kill, restart: start, stop: kill };
}
