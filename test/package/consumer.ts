import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * What the package test runs, as another team would: `npm pack` in the repository, then the
 * example consumer app installed from the tarball in a directory outside the repository, with no
 * esbuild, tsx or Docker reachable (each name on PATH is a trap that records being called).
 */
export const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'consumer-app');

/** Tools the consumer must never need. */
export const FORBIDDEN_TOOLS = ['docker', 'esbuild', 'tsx'];

export interface Run {
  /** What the command printed, stdout then stderr. */
  readonly output: string;
}

/** The packed tarball: `npm pack` runs `prepack` (the build), so it always holds the current sources. */
export function pack(destination: string): string {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  return path.join(destination, filename);
}

export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

/**
 * A clean environment for the consumer: none of this repository's tools (npm run puts its
 * node_modules/.bin on PATH), no npm_* variables of the running script, and traps for the tools a
 * consumer must not need, which write their name to `trapLog` when called.
 */
export function consumerEnvironment(work: string, trapLog: string): NodeJS.ProcessEnv {
  const traps = path.join(work, 'traps');
  mkdirSync(traps, { recursive: true });
  for (const tool of FORBIDDEN_TOOLS) {
    const file = path.join(traps, tool);
    writeFileSync(file, `#!/bin/sh\necho "${tool} $*" >> "${trapLog}"\nexit 127\n`);
    chmodSync(file, 0o755);
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('npm_') && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD') env[key] = value;
  }
  const pathEntries = (process.env.PATH ?? '').split(path.delimiter).filter((p) => p && !p.startsWith(ROOT));
  env.PATH = [traps, ...pathEntries].join(path.delimiter);
  env.CDK_DOCKER = path.join(traps, 'docker');
  return env;
}

/**
 * The example app copied to `<work>/examples/consumer-app` with the tarball at `<work>`, the same
 * relative place as in the repository (its package.json names `file:../../<tarball>`).
 */
export function stageConsumer(work: string, tarball: string): string {
  const app = path.join(work, 'examples', 'consumer-app');
  cpSync(EXAMPLE, app, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|cdk\.out)([\\/]|$)/.test(path.relative(EXAMPLE, source)),
  });
  const staged = path.join(work, path.basename(tarball));
  if (path.resolve(tarball) !== staged) cpSync(tarball, staged);
  return app;
}

/**
 * The example app again, in `<work>/floor`, on the oldest aws-cdk-lib and constructs the package's
 * peer ranges accept: only what `node app.js` needs (no CLI, no Jest).
 */
export function stageFloorConsumer(work: string, tarball: string, peers: Record<string, string>): string {
  const floor = path.join(work, 'floor');
  mkdirSync(floor, { recursive: true });
  for (const entry of ['app.js', 'cdk.json', 'lib']) {
    cpSync(path.join(EXAMPLE, entry), path.join(floor, entry), { recursive: true });
  }
  const example = JSON.parse(readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const lowest = (range: string) => /\d+\.\d+\.\d+/.exec(range)![0];
  const manifest = {
    name: 'consumer-app-floor',
    private: true,
    dependencies: {
      'llm-platform-blueprint': `file:${path.relative(floor, tarball)}`,
      'aws-cdk-lib': lowest(peers['aws-cdk-lib']),
      constructs: lowest(peers.constructs),
      'cdk-nag': example.dependencies['cdk-nag'],
    },
  };
  writeFileSync(path.join(floor, 'package.json'), JSON.stringify(manifest, null, 2));
  return floor;
}

/** Runs a consumer command without blocking (several run side by side); rejects with its output if it fails. */
export function runAsync(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (status === 0) resolve({ output });
      else reject(new Error(`${command} ${args.join(' ')} failed in ${cwd} (${status}):\n${output}`));
    });
  });
}

/** Packages installed in a node_modules, scoped ones as `@scope/name`. */
export function installedPackages(dir: string): string[] {
  const modules = path.join(dir, 'node_modules');
  if (!existsSync(modules)) return [];
  return readdirSync(modules).flatMap((name) =>
    name.startsWith('@') ? readdirSync(path.join(modules, name)).map((n) => `${name}/${n}`) : [name],
  );
}

/** Every bare module specifier a compiled file requires (`require("x")`). */
export function requiredModules(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/require\("([^"./][^"]*)"\)/g)].map((m) => m[1]);
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
