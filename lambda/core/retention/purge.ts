import type { SqlClient } from '../vector/sql-client';

/**
 * Retention that deletes: rows past their `expires_at` are filtered out on read, and this removes
 * them, so prompts, answers and job payloads (personal data) do not outlive their retention and the
 * tables stop growing. Run on a schedule; each run deletes in bounded batches until its time budget
 * is spent, and the next run continues where it stopped.
 *
 * Each batch is one statement that picks at most `batchSize` expired rows, oldest first, with
 * `FOR UPDATE SKIP LOCKED` (a row the gateway or a worker holds is left for the next batch, so the
 * purge never waits on live traffic), and deletes them. A batch commits on its own: a run stopped
 * half-way leaves whole rows deleted or kept, never a half-deleted row.
 */

export interface PurgeOptions {
  /**
   * Rows one statement deletes at most: small enough that one statement holds few locks and little
   * WAL, large enough that a backlog clears in a few runs.
   * @default 1000
   */
  readonly batchSize?: number;
  /**
   * No batch starts after this long; the rest waits for the next run. Keep it well inside the
   * function's timeout.
   * @default 60_000 (one minute)
   */
  readonly timeBudgetMs?: number;
  /**
   * A job still `queued` or `running` is kept this long past its expiry, because its queue may still
   * deliver it (the worker then finds it expired and drops it). Finished jobs go at expiry.
   * @default 86_400 (one day)
   */
  readonly inFlightGraceSeconds?: number;
  /** Milliseconds since an arbitrary origin, for the time budget. @default performance.now */
  readonly clock?: () => number;
}

/** What one run deleted, per table, and whether it reached the end of what had expired. */
export interface PurgeReport {
  readonly semanticCache: number;
  readonly asyncJobs: number;
  readonly batches: number;
  /** False when the time budget ran out with expired rows left (the next run continues). */
  readonly complete: boolean;
}

const DEFAULTS = { batchSize: 1000, timeBudgetMs: 60_000, inFlightGraceSeconds: 86_400 } as const;

/** One bounded delete per table: `$1` is the batch size, and the statement answers with the count. */
const BATCHES: readonly { readonly table: 'semanticCache' | 'asyncJobs'; readonly sql: string }[] = [
  {
    table: 'semanticCache',
    sql: `WITH doomed AS (
            SELECT id FROM semantic_cache WHERE expires_at < now()
            ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
          ), gone AS (
            DELETE FROM semantic_cache entry USING doomed WHERE entry.id = doomed.id RETURNING 1
          )
          SELECT count(*)::int AS deleted FROM gone`,
  },
  {
    table: 'asyncJobs',
    sql: `WITH doomed AS (
            SELECT tenant, id FROM async_jobs
            WHERE expires_at < now()
              AND (status IN ('succeeded', 'failed') OR expires_at < now() - make_interval(secs => $2::double precision))
            ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
          ), gone AS (
            DELETE FROM async_jobs job USING doomed
            WHERE job.tenant = doomed.tenant AND job.id = doomed.id RETURNING 1
          )
          SELECT count(*)::int AS deleted FROM gone`,
  },
];

/** Checks the options, saying what was given and what to do. */
export function purgeSettings(options: PurgeOptions = {}): Required<Omit<PurgeOptions, 'clock'>> {
  const settings = { ...DEFAULTS, ...options };
  const problems: string[] = [];
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1 || settings.batchSize > 10_000) {
    problems.push(`batchSize must be a whole number from 1 to 10000 (got ${settings.batchSize})`);
  }
  if (!(settings.timeBudgetMs > 0) || !Number.isFinite(settings.timeBudgetMs)) {
    problems.push(`timeBudgetMs must be a positive number of milliseconds (got ${settings.timeBudgetMs})`);
  }
  if (!(settings.inFlightGraceSeconds >= 0) || !Number.isFinite(settings.inFlightGraceSeconds)) {
    problems.push(`inFlightGraceSeconds must be zero or more seconds (got ${settings.inFlightGraceSeconds})`);
  }
  if (problems.length) throw new RangeError(`Retention purge options: ${problems.join('; ')}.`);
  return {
    batchSize: settings.batchSize,
    timeBudgetMs: settings.timeBudgetMs,
    inFlightGraceSeconds: settings.inFlightGraceSeconds,
  };
}

/**
 * Deletes expired semantic-cache entries and jobs past retention, batch by batch, table by table,
 * until nothing expired is left or the time budget is spent.
 */
export async function purgeExpired(sql: SqlClient, options: PurgeOptions = {}): Promise<PurgeReport> {
  const { batchSize, timeBudgetMs, inFlightGraceSeconds } = purgeSettings(options);
  const clock = options.clock ?? (() => performance.now());
  const deadline = clock() + timeBudgetMs;
  const deleted = { semanticCache: 0, asyncJobs: 0 };
  let batches = 0;
  let complete = true;
  for (const { table, sql: statement } of BATCHES) {
    const params = table === 'asyncJobs' ? [batchSize, inFlightGraceSeconds] : [batchSize];
    for (;;) {
      if (clock() >= deadline) {
        complete = false;
        break;
      }
      const { rows } = await sql.query<{ deleted: number }>(statement, params);
      batches += 1;
      deleted[table] += rows[0].deleted;
      if (rows[0].deleted < batchSize) break;
    }
  }
  return { ...deleted, batches, complete };
}
