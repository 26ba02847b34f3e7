import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';
import type { TraceRecord } from '../../lambda/core/trace/record';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export interface GatewayProcess {
  readonly url: string;
  readonly traces: TraceRecord[];
  stop(): Promise<void>;
}

/**
 * Starts one gateway instance in a process of its own (gateway-process.ts, through tsx), state in
 * Redis under `redisPrefix`, its trace records collected as they are printed.
 */
export function startGatewayProcess(
  config: GatewayConfigInput,
  redisPrefix: string,
  env: Readonly<Record<string, string>> = {},
): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, [TSX, path.join(ROOT, 'test/support/gateway-process.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DRILL_GATEWAY_CONFIG: JSON.stringify(config),
      DRILL_REDIS_PREFIX: redisPrefix,
      ...env,
    },
  });
  const traces: TraceRecord[] = [];
  let pending = '';
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the gateway process exited with ${code}:\n${errors}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const listening = /^listening on (\S+)/.exec(line);
        if (listening)
          resolve({
            url: listening[1],
            traces,
            stop: () =>
              new Promise<void>((stopped) => {
                if (child.exitCode !== null) return stopped();
                child.once('exit', () => stopped());
                child.kill('SIGTERM');
              }),
          });
        else if (line.startsWith('{"type":"llm.trace"')) traces.push(JSON.parse(line) as TraceRecord);
      }
    });
  });
}
