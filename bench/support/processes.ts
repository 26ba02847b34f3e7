import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Child processes for benchmarks: each system under test runs in a process of its own, pinned to
 * one core with `taskset`, so that the load generator and the mock provider (on the other core)
 * never share its event loop.
 */
export const ROOT = path.resolve(__dirname, '../..');
const CACHE = path.join(ROOT, 'node_modules/.cache/llm-bench');

const tasksetAvailable = spawnSync('taskset', ['-V']).status === 0;
/** `--no-pin` on any benchmark's command line: on a busy shared machine, pinning makes a process wait for its core. */
const pinning = !process.argv.includes('--no-pin');
let warned = false;

/** The command line that runs `command` on one CPU (unpinned, with a warning, where taskset is missing). */
export function pinnedTo(cpu: number | undefined, command: string, args: readonly string[]): [string, string[]] {
  if (cpu === undefined || !pinning) return [command, [...args]];
  if (!tasksetAvailable) {
    if (!warned) console.warn('taskset not found (util-linux): processes are not pinned to a core');
    warned = true;
    return [command, [...args]];
  }
  return ['taskset', ['-c', String(cpu), command, ...args]];
}

/** Pins this process (every thread) to one CPU: the load generator's side of the machine. */
export function pinSelf(cpu: number): void {
  if (tasksetAvailable && pinning)
    spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

/**
 * Bundles a TypeScript entry into plain JavaScript run by `node` (no TypeScript loader in the
 * measured process). Packages stay in node_modules, as they are resolved at run time.
 */
export function bundle(entry: string, name: string): string {
  const outfile = path.join(CACHE, `${name}.js`);
  buildSync({
    entryPoints: [path.resolve(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: false,
    logLevel: 'warning',
  });
  return outfile;
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Resident set size now, from /proc (Linux). */
  rssBytes(): number;
  /** CPU time used so far, in milliseconds. */
  cpuMs(): number;
  /** Writes to Redis so far, for a child that counts them (our gateway). */
  redisWrites(): Promise<number | undefined>;
  /** process.memoryUsage() of a child that reports it (our gateway). */
  memoryUsage(): Promise<NodeJS.MemoryUsage | undefined>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** CPU time (user + system) a process has used, in milliseconds, from /proc (Linux). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

function track(name: string, child: ChildProcess, port: number): Child {
  children.add(child);
  const counters = () =>
    new Promise<{ redisWrites?: number; memory?: NodeJS.MemoryUsage } | undefined>((resolve) => {
      if (!child.connected) return resolve(undefined);
      child.once('message', resolve);
      child.send({ counters: true });
    });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (code !== 0 && code !== null && signal === null) console.error(`${name} exited with ${code}:\n${stderr}`);
  });
  return {
    name,
    process: child,
    port,
    url: `http://127.0.0.1:${port}`,
    rssBytes: () => rssOf(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    redisWrites: async () => (await counters())?.redisWrites,
    memoryUsage: async () => (await counters())?.memory,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
      }),
  };
}

/**
 * Starts a bundled entry that reports `{ port }` over IPC once it listens (see bench/support/child.ts).
 * `env` is added to this process's environment.
 */
export async function startNodeChild(options: {
  name: string;
  script: string;
  cpu?: number;
  env?: Record<string, string>;
  nodeArgs?: readonly string[];
}): Promise<Child> {
  const [command, args] = pinnedTo(options.cpu, process.execPath, [...(options.nodeArgs ?? []), options.script]);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port?: number; error?: string }) =>
      message.port ? resolve(message.port) : reject(new Error(`${options.name}: ${message.error}`)),
    );
    child.once('exit', (code) => reject(new Error(`${options.name} exited with ${code} before listening`)));
  });
  return track(options.name, child, port);
}

/** Starts the Portkey gateway from its npm package (its Node start path, headless). */
export async function startPortkey(port: number, cpu?: number): Promise<Child> {
  const script = path.join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  const [command, args] = pinnedTo(cpu, process.execPath, [script, `--port=${port}`, '--headless']);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const tracked = track('portkey', child, port);
  for (let i = 0; i < 200; i++) {
    if (await answers(`http://127.0.0.1:${port}/`)) return tracked;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await tracked.stop();
  throw new Error(`the Portkey gateway did not start on port ${port}`);
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}
