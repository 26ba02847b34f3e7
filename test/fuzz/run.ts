import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { fuzzInput, type FuzzInput } from './arbitraries';
import { createFuzzTarget, violation, type FuzzTarget } from './target';

/**
 * The fuzz loop shared by `npm test` (a CI-sized run and the seed corpus) and `npm run fuzz` (the
 * long run): each generated request goes through the whole gateway; the answer must be a 200 or a
 * JSON 4xx, the call must not throw, and nothing may reject unhandled meanwhile.
 */
export const CORPUS_FILE = path.join(__dirname, 'corpus.jsonl');

export interface CorpusEntry {
  readonly name: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** The body as UTF-8 text, or `bodyBase64` for bytes that are not. */
  readonly body?: string;
  readonly bodyBase64?: string;
}

export interface FuzzReport {
  readonly runs: number;
  readonly byStatus: Map<number, number>;
  readonly byKind: Map<string, number>;
  readonly unhandledRejections: number;
  readonly failure?: {
    readonly message: string;
    readonly counterexample?: FuzzInput;
    readonly seed: number;
    readonly path?: string;
  };
}

export async function exercise(
  target: FuzzTarget,
  input: Omit<FuzzInput, 'kind'>,
): Promise<{ status?: number; problem?: string }> {
  let response;
  try {
    response = await target.handle({
      method: input.method,
      path: input.path,
      headers: input.headers,
      body: input.body,
    });
  } catch (error) {
    return { problem: `handle() threw: ${(error as Error)?.stack ?? String(error)}` };
  }
  return { status: response.status, problem: await violation(response) };
}

/** Watches for promises rejected with no handler while `work` runs. */
async function countingUnhandled<T>(work: () => Promise<T>): Promise<{ value: T; unhandled: number }> {
  let unhandled = 0;
  const listener = () => unhandled++;
  process.on('unhandledRejection', listener);
  try {
    const value = await work();
    await new Promise((resolve) => setImmediate(resolve));
    return { value, unhandled };
  } finally {
    process.off('unhandledRejection', listener);
  }
}

export async function runFuzz(options: { runs: number; seed?: number }): Promise<FuzzReport> {
  const target = createFuzzTarget();
  const byStatus = new Map<number, number>();
  const byKind = new Map<string, number>();
  let runs = 0;
  const { value: result, unhandled } = await countingUnhandled(() =>
    fc.check(
      fc.asyncProperty(fuzzInput, async (input) => {
        runs++;
        byKind.set(input.kind, (byKind.get(input.kind) ?? 0) + 1);
        const { status, problem } = await exercise(target, input);
        if (status !== undefined) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        if (problem) throw new Error(problem);
        // The in-memory trace list would otherwise grow with every run.
        if (target.traces.records.length > 1_000) target.traces.records.length = 0;
      }),
      { numRuns: options.runs, seed: options.seed, endOnFailure: true },
    ),
  );
  return {
    runs,
    byStatus,
    byKind,
    unhandledRejections: unhandled,
    failure: result.failed
      ? {
          message: result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance),
          counterexample: result.counterexample?.[0],
          seed: result.seed,
          path: result.counterexamplePath ?? undefined,
        }
      : undefined,
  };
}

export function loadCorpus(file = CORPUS_FILE): CorpusEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('//'))
    .map((line) => JSON.parse(line) as CorpusEntry);
}

/** Replays every corpus entry; returns the entries that broke a rule. */
export async function replayCorpus(entries = loadCorpus()): Promise<Array<{ name: string; problem: string }>> {
  const target = createFuzzTarget();
  const broken: Array<{ name: string; problem: string }> = [];
  const { unhandled } = await countingUnhandled(async () => {
    for (const entry of entries) {
      const { problem } = await exercise(target, {
        method: entry.method ?? 'POST',
        path: entry.path ?? '/v1/chat/completions',
        headers: entry.headers ?? { authorization: 'Bearer sk-fuzz', 'content-type': 'application/json' },
        body:
          entry.bodyBase64 !== undefined
            ? Buffer.from(entry.bodyBase64, 'base64')
            : Buffer.from(entry.body ?? '', 'utf8'),
      });
      if (problem) broken.push({ name: entry.name, problem });
    }
  });
  if (unhandled > 0) broken.push({ name: '(corpus)', problem: `${unhandled} unhandled rejections` });
  return broken;
}

/** A corpus line for a failing input, to commit once it is fixed. */
export function corpusLine(name: string, input: FuzzInput): string {
  const text = Buffer.from(input.body).toString('utf8');
  const exact = Buffer.from(text, 'utf8').equals(Buffer.from(input.body));
  return JSON.stringify({
    name,
    method: input.method,
    path: input.path,
    headers: input.headers,
    ...(exact ? { body: text } : { bodyBase64: Buffer.from(input.body).toString('base64') }),
  });
}
