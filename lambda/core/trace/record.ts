import { redactingReplacer } from '../telemetry/redact';

/**
 * One record per call: what was asked, what answered, what it took and what it cost. It never holds
 * prompt or completion text, keys or Authorization headers.
 */
export type Outcome =
  | 'success'
  /** The client went away before the answer was complete. */
  | 'client_aborted'
  /** The gateway refused the request (4xx before any provider call). */
  | 'rejected'
  /** Every deployment failed, or a stream broke after its first byte. */
  | 'upstream_error';

export interface TraceRecord {
  requestId: string;
  route: string;
  tenant?: string;
  user?: string;
  feature?: string;
  modelRequested?: string;
  /** The router's decision when it chose the model (`x-llm-route`), never prompt text. */
  routeDecision?: string;
  model?: string;
  deployment?: string;
  provider?: string;
  stream: boolean;
  attempts: number;
  failovers: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costMicroUsd: number;
  latencyMs: number;
  timeToFirstTokenMs?: number;
  status: number;
  outcome: Outcome;
  errorCode?: string;
  /**
   * What went wrong, for the operator reading this line: which deployments failed and what their
   * providers said. Redacted where it is logged, capped in length, and never sent to the client.
   */
  errorDetail?: string;
}

export interface TraceSink {
  record(trace: TraceRecord): void;
}

/** One JSON line per call on stdout: what the local server uses, and what tests read. */
export class JsonLineTraceSink implements TraceSink {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line)) {}
  record(trace: TraceRecord): void {
    this.write(`${JSON.stringify({ type: 'llm.trace', ...trace }, redactingReplacer)}\n`);
  }
}
