/**
 * The vector store's schema, as ordered migrations. The `VectorStore` construct's set-up step and
 * the tests (on PGlite) apply exactly these statements, so what is tested is what is deployed.
 *
 * Append new migrations; never edit one that has shipped (its id records that it ran).
 */
import {
  EMBEDDING_CHUNKS_MIGRATION,
  EMBEDDING_COLLECTIONS_MIGRATION,
  MAX_VECTOR_INDEX_DIMENSIONS,
  chunkIndexMigration,
} from './embedding-migrations';
import type { Migration } from './migration';

export type { Migration };

export interface VectorSchemaOptions {
  /**
   * Dimensions of the semantic cache's embedding model (at most 2,000: its HNSW index is over
   * `vector`). A change drops and recreates the cache's table: it is a cache, and vectors of
   * another model cannot be compared with the new ones.
   */
  readonly dimensions: number;
  /**
   * Vector sizes the embedding service's chunks get an HNSW index for (one partial index each;
   * `halfvec` above 2,000 dimensions, up to 4,000).
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

/** The semantic cache's table for vectors of `n` dimensions, and its indexes. */
function semanticCacheTable(n: number): string {
  return `
        CREATE TABLE IF NOT EXISTS semantic_cache (
          id          bigserial PRIMARY KEY,
          tenant      text        NOT NULL,
          -- hash of the resolved model and every parameter that changes the answer: a hit can only
          -- come from an entry with the same tenant and the same partition
          partition   text        NOT NULL,
          prompt_hash text        NOT NULL,
          embedding   vector(${n}) NOT NULL,
          response    jsonb       NOT NULL,
          created_at  timestamptz NOT NULL DEFAULT now(),
          expires_at  timestamptz NOT NULL,
          UNIQUE (tenant, partition, prompt_hash)
        );
        CREATE INDEX IF NOT EXISTS semantic_cache_embedding_hnsw
          ON semantic_cache USING hnsw (embedding vector_cosine_ops);
        CREATE INDEX IF NOT EXISTS semantic_cache_scope ON semantic_cache (tenant, partition);
        CREATE INDEX IF NOT EXISTS semantic_cache_expiry ON semantic_cache (expires_at);
      `;
}

/**
 * Brings the semantic cache's table to `n` dimensions: when its column has another size (the
 * gateway now embeds with another model), the table is dropped and made again, empty.
 */
function semanticCacheSize(n: number): Migration {
  return {
    id: '900_semantic_cache_size',
    repeatable: true,
    sql: `
      DO $resize$
      BEGIN
        IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
             WHERE attrelid = 'semantic_cache'::regclass AND attname = 'embedding') <> 'vector(${n})' THEN
          DROP TABLE semantic_cache;
          ${semanticCacheTable(n)}
        END IF;
      END
      $resize$;
    `,
  };
}

export function vectorSchemaMigrations({ dimensions, embeddingDimensions }: VectorSchemaOptions): Migration[] {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_VECTOR_INDEX_DIMENSIONS) {
    throw new Error(
      `the semantic cache's vector dimensions must be a whole number from 1 to ${MAX_VECTOR_INDEX_DIMENSIONS} ` +
        `(the HNSW limit for vector columns); got ${dimensions}: ask its model for fewer with its dimensions parameter`,
    );
  }
  const chunkSizes = [...new Set(embeddingDimensions ?? [dimensions])].sort((a, b) => a - b);
  return [
    { id: '001_vector_extension', sql: 'CREATE EXTENSION IF NOT EXISTS vector' },
    // Shipped with the size of its day; later sizes are the repeatable resize below.
    { id: '002_semantic_cache', sql: semanticCacheTable(dimensions) },
    ASYNC_JOBS_MIGRATION,
    EMBEDDING_COLLECTIONS_MIGRATION,
    EMBEDDING_CHUNKS_MIGRATION,
    ...chunkSizes.map(chunkIndexMigration),
    semanticCacheSize(dimensions),
  ];
}
