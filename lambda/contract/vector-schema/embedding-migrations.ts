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

/**
 * One chunks table for every version and model. The column is an untyped `vector` so that models
 * of different sizes share it; HNSW needs a fixed size, so each supported size gets a partial index
 * over a cast, and a search must use the same cast and the same `dimensions = N` predicate for
 * the planner to pick it.
 */
export function embeddingChunksMigration(dimensions: readonly number[]): Migration {
  const indexes = [...new Set(dimensions)]
    .map(
      (n) => `
    CREATE INDEX IF NOT EXISTS embedding_chunks_hnsw_${n}
      ON embedding_chunks USING hnsw ((embedding::vector(${n})) vector_cosine_ops) WHERE dimensions = ${n};`,
    )
    .join('');
  return {
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
    );${indexes}
  `,
  };
}
