import type { CallerIdentity } from '../http/types';
import type { SqlClient } from '../vector/sql-client';
import type { Job, JobError, JobStatus, NewJob } from './job';
import type { JobEndpoint } from '../../contract/routes';

/**
 * Where jobs live. Every read by a caller names the tenant: a job id alone never finds another
 * tenant's job. The worker's transitions are conditional, so a duplicate or late delivery cannot
 * move a finished job back.
 */
export interface JobStore {
  create(job: NewJob): Promise<Job>;
  /** The tenant's job, unless it is unknown, another tenant's, or expired. */
  get(tenant: string, id: string): Promise<Job | undefined>;
  /**
   * queued|running (or failed as dead-lettered) -> running, attempts + 1; undefined when the job is
   * finished, expired or unknown.
   */
  claim(id: string): Promise<Job | undefined>;
  /** running -> queued (throttled or to be retried). */
  release(id: string): Promise<void>;
  /** running -> succeeded; undefined when the job was not running (another delivery finished it). */
  succeed(id: string, result: unknown): Promise<Job | undefined>;
  /** queued|running -> failed. */
  fail(id: string, error: JobError): Promise<Job | undefined>;
}

interface JobRow {
  tenant: string;
  id: string;
  owner: CallerIdentity;
  endpoint: JobEndpoint;
  request: Record<string, unknown>;
  webhook_url: string | null;
  status: JobStatus;
  attempts: number;
  result: unknown;
  error: JobError | null;
  created_at: Date | string;
  updated_at: Date | string;
  completed_at: Date | string | null;
  expires_at: Date | string;
}

const COLUMNS =
  'tenant, id, owner, endpoint, request, webhook_url, status, attempts, result, error, created_at, updated_at, completed_at, expires_at';

function toJob(row: JobRow): Job {
  const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));
  return {
    id: row.id,
    owner: row.owner,
    endpoint: row.endpoint,
    request: row.request,
    webhookUrl: row.webhook_url ?? undefined,
    status: row.status,
    attempts: row.attempts,
    result: row.result ?? undefined,
    error: row.error ?? undefined,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    completedAt: row.completed_at ? date(row.completed_at) : undefined,
    expiresAt: date(row.expires_at),
  };
}

/** Jobs in Postgres (Aurora deployed, PGlite in tests and locally): table `async_jobs`, migration 005. */
export class PostgresJobStore implements JobStore {
  constructor(private readonly db: SqlClient) {}

  async create(job: NewJob): Promise<Job> {
    const { rows } = await this.db.query<JobRow>(
      `INSERT INTO async_jobs (tenant, id, owner, endpoint, request, webhook_url, status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7) RETURNING ${COLUMNS}`,
      [
        job.owner.tenant,
        job.id,
        JSON.stringify(job.owner),
        job.endpoint,
        JSON.stringify(job.request),
        job.webhookUrl ?? null,
        job.expiresAt.toISOString(),
      ],
    );
    return toJob(rows[0]);
  }

  async get(tenant: string, id: string): Promise<Job | undefined> {
    const { rows } = await this.db.query<JobRow>(
      `SELECT ${COLUMNS} FROM async_jobs WHERE tenant = $1 AND id = $2 AND expires_at > now()`,
      [tenant, id],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  async claim(id: string): Promise<Job | undefined> {
    return this.transition(
      id,
      "status = 'running', attempts = attempts + 1",
      // A dead-lettered job that a redrive sends back runs again.
      "(status IN ('queued', 'running') OR (status = 'failed' AND error->>'code' = 'dead_lettered')) AND expires_at > now()",
    );
  }

  async release(id: string): Promise<void> {
    await this.transition(id, "status = 'queued'", "status = 'running'");
  }

  async succeed(id: string, result: unknown): Promise<Job | undefined> {
    return this.transition(id, "status = 'succeeded', result = $2, completed_at = now()", "status = 'running'", [
      JSON.stringify(result),
    ]);
  }

  async fail(id: string, error: JobError): Promise<Job | undefined> {
    return this.transition(
      id,
      "status = 'failed', error = $2, completed_at = now()",
      "status IN ('queued', 'running')",
      [JSON.stringify(error)],
    );
  }

  private async transition(id: string, set: string, when: string, params: unknown[] = []): Promise<Job | undefined> {
    const { rows } = await this.db.query<JobRow>(
      `UPDATE async_jobs SET ${set}, updated_at = now() WHERE id = $1 AND ${when} RETURNING ${COLUMNS}`,
      [id, ...params],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }
}
