import { z } from 'zod';

/** The services beside the gateway, per environment (lib/services.ts reads them). */

/** Async jobs (the AsyncJobs construct): submit, poll, webhook. */
export const jobsConfigSchema = z.strictObject({
  /** Receives of one job message before it moves to the dead-letter queue. */
  maxReceiveCount: z.int().min(1).max(1000).default(5),
  /** Worker invocations at once: the ceiling on the jobs' load on the providers. */
  maxConcurrency: z.int().min(2).max(1000).default(10),
  /** Messages per worker invocation. */
  batchSize: z.int().min(1).max(10).default(5),
  /** How long a job and its result are kept after submission, in days. */
  retentionDays: z.int().min(1).max(14).default(4),
});

/** The embedding service (the EmbeddingService construct): collections, ingestion, re-index. */
export const embeddingsConfigSchema = z.strictObject({
  /** Receives of one ingestion or re-index message before it moves to the dead-letter queue. */
  maxReceiveCount: z.int().min(1).max(1000).default(5),
  /** Worker invocations at once: the ceiling on ingestion's load on the embedding providers. */
  maxConcurrency: z.int().min(2).max(1000).default(5),
  /** Objects dropped in the ingestion bucket larger than this are rejected, in MiB. */
  maxObjectMb: z.int().min(1).max(64).default(4),
});
