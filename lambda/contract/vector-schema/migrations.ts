/**
 * The vector store's schema, as ordered migrations. The `VectorStore` construct's set-up step and
 * the tests (on PGlite) apply exactly these statements, so what is tested is what is deployed.
 *
 * Append new migrations; never edit one that has shipped (its id records that it ran).
 */
import { EMBEDDING_COLLECTIONS_MIGRATION, embeddingChunksMigration } from './embedding-migrations';
import type { Migration } from './migration';

export type { Migration };

export interface VectorSchemaOptions {
  /**
   * Dimensions of the embedding model's vectors. HNSW indexes need a fixed dimension, so changing
   * the embedding model to one of another size is a new index version, not an edit.
   */
  readonly dimensions: number;
  /**
   * Vector sizes the embedding service's chunks get an HNSW index for (one partial index each).
   * @default [dimensions]
   */
  readonly embeddingDimensions?: readonly number[];
}

/**
 * Async jobs (lambda/core/jobs): the platform's Aurora is its durable store, so a job's state and
 * result live beside the vectors. Every read names the tenant, and the primary key leads with it.
 */
const ASYNC_JOBS_MIGRATION: Migration = {
  id: '005_async_jobs',
  sql: `
    CREATE TABLE IF NOT EXISTS async_jobs (
      tenant         text        NOT NULL,
      id             text        NOT NULL,
      owner          jsonb       NOT NULL,
      endpoint       text        NOT NULL,
      request        jsonb       NOT NULL,
      webhook_url    text,
      status         text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
      attempts       integer     NOT NULL DEFAULT 0,
      result         jsonb,
      error          jsonb,
      created_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now(),
      completed_at   timestamptz,
      expires_at     timestamptz NOT NULL,
      PRIMARY KEY (tenant, id)
    );
    CREATE UNIQUE INDEX IF NOT EXISTS async_jobs_id ON async_jobs (id);
    CREATE INDEX IF NOT EXISTS async_jobs_expiry ON async_jobs (expires_at);
  `,
};

export function vectorSchemaMigrations({ dimensions, embeddingDimensions }: VectorSchemaOptions): Migration[] {
  for (const size of [dimensions, ...(embeddingDimensions ?? [])]) {
    if (!Number.isInteger(size) || size < 1 || size > 2000) {
      throw new Error(
        `vector dimensions must be a whole number from 1 to 2000 (the HNSW limit for vector columns); got ${size}`,
      );
    }
  }
  return [
    { id: '001_vector_extension', sql: 'CREATE EXTENSION IF NOT EXISTS vector' },
    {
      id: '002_semantic_cache',
      sql: `
        CREATE TABLE IF NOT EXISTS semantic_cache (
          id          bigserial PRIMARY KEY,
          tenant      text        NOT NULL,
          -- hash of the resolved model and every parameter that changes the answer: a hit can only
          -- come from an entry with the same tenant and the same partition
          partition   text        NOT NULL,
          prompt_hash text        NOT NULL,
          embedding   vector(${dimensions}) NOT NULL,
          response    jsonb       NOT NULL,
          created_at  timestamptz NOT NULL DEFAULT now(),
          expires_at  timestamptz NOT NULL,
          UNIQUE (tenant, partition, prompt_hash)
        );
        CREATE INDEX IF NOT EXISTS semantic_cache_embedding_hnsw
          ON semantic_cache USING hnsw (embedding vector_cosine_ops);
        CREATE INDEX IF NOT EXISTS semantic_cache_scope ON semantic_cache (tenant, partition);
        CREATE INDEX IF NOT EXISTS semantic_cache_expiry ON semantic_cache (expires_at);
      `,
    },
    ASYNC_JOBS_MIGRATION,
    EMBEDDING_COLLECTIONS_MIGRATION,
    embeddingChunksMigration(embeddingDimensions ?? [dimensions]),
  ];
}
