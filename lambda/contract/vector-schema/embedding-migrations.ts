import type { Migration } from './migration';

/**
 * The embedding service (lambda/core/embeddings): collections, their index versions and the
 * documents they were built from. Every key leads with the tenant, and every query names it.
 *
 * A collection answers from its `active_version`; a re-index builds another version beside it and
 * switches `active_version` when that one is complete, so the source text is kept (`documents.text`)
 * to rebuild from.
 */
export const EMBEDDING_COLLECTIONS_MIGRATION: Migration = {
  id: '006_embedding_collections',
  sql: `
    CREATE TABLE IF NOT EXISTS embedding_collections (
      tenant          text        NOT NULL,
      name            text        NOT NULL,
      model           text        NOT NULL,
      chunk_size      integer     NOT NULL CHECK (chunk_size > 0),
      chunk_overlap   integer     NOT NULL CHECK (chunk_overlap >= 0 AND chunk_overlap < chunk_size),
      active_version  integer     NOT NULL DEFAULT 1,
      created_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, name)
    );
    CREATE TABLE IF NOT EXISTS embedding_index_versions (
      tenant          text        NOT NULL,
      collection      text        NOT NULL,
      version         integer     NOT NULL CHECK (version > 0),
      model           text        NOT NULL,
      -- known from the first vector the model returns
      dimensions      integer     CHECK (dimensions > 0),
      chunk_size      integer     NOT NULL CHECK (chunk_size > 0),
      chunk_overlap   integer     NOT NULL CHECK (chunk_overlap >= 0 AND chunk_overlap < chunk_size),
      state           text        NOT NULL CHECK (state IN ('building', 'active', 'retired')),
      created_at      timestamptz NOT NULL DEFAULT now(),
      activated_at    timestamptz,
      PRIMARY KEY (tenant, collection, version),
      FOREIGN KEY (tenant, collection) REFERENCES embedding_collections (tenant, name) ON DELETE CASCADE
    );
    -- at most one version is being built at a time, so a switch has one candidate
    CREATE UNIQUE INDEX IF NOT EXISTS embedding_index_versions_one_building
      ON embedding_index_versions (tenant, collection) WHERE state = 'building';
    CREATE TABLE IF NOT EXISTS embedding_documents (
      tenant          text        NOT NULL,
      collection      text        NOT NULL,
      document_id     text        NOT NULL,
      -- hash of text and metadata: the same document ingested again changes nothing
      content_hash    text        NOT NULL,
      text            text        NOT NULL,
      metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
      updated_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, collection, document_id),
      FOREIGN KEY (tenant, collection) REFERENCES embedding_collections (tenant, name) ON DELETE CASCADE
    );
  `,
};

/** The largest vector HNSW indexes as `vector`, and as `halfvec` (16-bit floats) above that. */
export const MAX_VECTOR_INDEX_DIMENSIONS = 2000;
export const MAX_HALFVEC_INDEX_DIMENSIONS = 4000;

/**
 * The type a chunk vector of `n` dimensions is indexed and searched as: `vector(n)` up to 2,000,
 * `halfvec(n)` up to 4,000 (half the precision, which cosine ranking barely feels). A search must
 * cast with exactly this type, beside the `dimensions = n` predicate, for the planner to use the
 * index.
 */
export function chunkIndexType(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HALFVEC_INDEX_DIMENSIONS) {
    throw new Error(
      `vector dimensions must be a whole number from 1 to ${MAX_HALFVEC_INDEX_DIMENSIONS} (the HNSW limit, as halfvec ` +
        `above ${MAX_VECTOR_INDEX_DIMENSIONS}); got ${n}: ask the model for fewer with its dimensions parameter`,
    );
  }
  return n <= MAX_VECTOR_INDEX_DIMENSIONS ? `vector(${n})` : `halfvec(${n})`;
}

/**
 * One chunks table for every version and model. The column is an untyped `vector` so that models
 * of different sizes share it; HNSW needs a fixed size, so each size in use gets a partial index
 * over a cast (`chunkIndexType`), in a migration of its own so that a size added later is indexed
 * on a store that already exists.
 */
export const EMBEDDING_CHUNKS_MIGRATION: Migration = {
  id: '007_embedding_chunks',
  sql: `
    CREATE TABLE IF NOT EXISTS embedding_chunks (
      tenant          text        NOT NULL,
      collection      text        NOT NULL,
      version         integer     NOT NULL,
      document_id     text        NOT NULL,
      chunk_index     integer     NOT NULL CHECK (chunk_index >= 0),
      -- the document's hash when this chunk was embedded: a re-index finds stale or missing chunks by it
      content_hash    text        NOT NULL,
      content         text        NOT NULL,
      metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
      start_offset    integer     NOT NULL CHECK (start_offset >= 0),
      end_offset      integer     NOT NULL CHECK (end_offset >= start_offset),
      embedding       vector      NOT NULL,
      dimensions      integer     NOT NULL CHECK (dimensions = vector_dims(embedding)),
      PRIMARY KEY (tenant, collection, version, document_id, chunk_index),
      FOREIGN KEY (tenant, collection, version)
        REFERENCES embedding_index_versions (tenant, collection, version) ON DELETE CASCADE
    );
  `,
};

/** The HNSW index of one chunk size (the name predates halfvec: one index per size, whatever its type). */
export function chunkIndexMigration(n: number): Migration {
  const type = chunkIndexType(n);
  const ops = type.startsWith('halfvec') ? 'halfvec_cosine_ops' : 'vector_cosine_ops';
  return {
    id: `008_embedding_chunks_hnsw_${String(n).padStart(4, '0')}`,
    sql: `
    CREATE INDEX IF NOT EXISTS embedding_chunks_hnsw_${n}
      ON embedding_chunks USING hnsw ((embedding::${type}) ${ops}) WHERE dimensions = ${n};`,
  };
}
