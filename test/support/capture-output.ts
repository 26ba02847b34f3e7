/**
 * Captures every line the process writes while a test runs: `process.stdout` and `process.stderr`
 * (where Powertools' logger and metrics write) and the global console. Lines are kept, not printed.
 */
export interface CapturedOutput {
  /** Every line so far, stdout, stderr and console together, in order. */
  lines(): string[];
  /** Stops capturing and puts the streams back. */
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originals = methods.map((method) => console[method]);
  for (const method of methods) {
    console[method] = (...args: unknown[]) => {
      chunks.push(`${args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}\n`);
    };
  }
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.length > 0),
    restore: () => {
      streams.forEach((stream, i) => (stream.write = writes[i]));
      methods.forEach((method, i) => (console[method] = originals[i]));
    },
  };
}

/** One CloudWatch embedded-metric-format document, as a test reads it. */
export interface EmfDocument {
  readonly namespace: string;
  readonly dimensionSets: string[][];
  readonly metrics: Array<{ name: string; unit: string; value: number | number[] }>;
  /** Every top-level key that is not `_aws` or a metric: the dimension values. */
  readonly values: Record<string, unknown>;
}

/** The EMF documents among captured lines (lines carrying `_aws.CloudWatchMetrics`). */
export function emfDocuments(lines: readonly string[]): EmfDocument[] {
  const documents: EmfDocument[] = [];
  for (const line of lines) {
    if (!line.startsWith('{') || !line.includes('"CloudWatchMetrics"')) continue;
    const parsed = JSON.parse(line) as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: Array<{
          Namespace: string;
          Dimensions: string[][];
          Metrics: Array<{ Name: string; Unit: string }>;
        }>;
      };
    };
    for (const directive of parsed._aws.CloudWatchMetrics) {
      documents.push({
        namespace: directive.Namespace,
        dimensionSets: directive.Dimensions,
        metrics: directive.Metrics.map((m) => ({ name: m.Name, unit: m.Unit, value: parsed[m.Name] as number })),
        values: Object.fromEntries(Object.entries(parsed).filter(([key]) => key !== '_aws')),
      });
    }
  }
  return documents;
}
