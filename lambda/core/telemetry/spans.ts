import { randomBytes } from 'node:crypto';

/**
 * One traced step of a call (auth, an admission check, routing, a cache lookup, a provider
 * attempt). Deployed, each is an X-Ray subsegment (lambda/adapters/handler-telemetry.ts); locally and in tests, a span
 * with an id and nothing exported, or one kept in memory.
 */
export interface StepSpan {
  /** 16 lower-case hex digits: the W3C `parent-id` of calls made within this step. */
  readonly id: string;
  /** Indexed attributes (X-Ray annotations): small values only, never prompt text. */
  annotate(key: string, value: string | number | boolean): void;
  /** The step failed: `fault` for the platform's failures (5xx, timeouts), else an error (4xx). */
  fail(error: unknown, kind: 'fault' | 'error' | 'throttle'): void;
  /** The step is a call to another service (a provider): named in the service map. */
  remote(http: { readonly url: string; readonly method: string }): void;
  end(): void;
}

export interface StepTracer {
  start(name: string): StepSpan;
}

const spanId = () => randomBytes(8).toString('hex');

/** Spans with fresh ids and nothing recorded: they give provider calls their own `parent-id`. */
export const UNRECORDED_STEPS: StepTracer = {
  start: () => ({
    id: spanId(),
    annotate: () => undefined,
    fail: () => undefined,
    remote: () => undefined,
    end: () => undefined,
  }),
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** `traceparent` with the same trace and flags, and `parentId` as the calling span. */
export function traceparentWithParent(traceparent: string | undefined, parentId: string): string | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  return match ? `00-${match[1]}-${parentId}-${match[3]}` : traceparent;
}

/** Runs `work` inside a span, ending it however `work` ends. */
export async function inSpan<T>(
  steps: StepTracer,
  name: string,
  work: (span: StepSpan) => Promise<T>,
  failureKind: (error: unknown) => 'fault' | 'error' | 'throttle' = () => 'fault',
): Promise<T> {
  const span = steps.start(name);
  try {
    return await work(span);
  } catch (error) {
    span.fail(error, failureKind(error));
    throw error;
  } finally {
    span.end();
  }
}
