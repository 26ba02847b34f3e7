import type { PoolClient } from 'pg';
import { toVectorLiteral } from '../vector/sql-client';
import type { Chunk } from './chunking';
import type { IndexVersion, VersionState } from './collections';

/**
 * Every SQL statement of the embedding collections, on the tables of
 * `lambda/contract/vector-schema/embedding-migrations.ts`. Each statement names the caller's
 * tenant. They answer with rows turned into the service's types and leave the decisions (what is
 * an error, what the caller is told) to `CollectionService`.
 */

/** A collection as every statement names it: the tenant's collection of that name. */
export interface CollectionRef {
  readonly tenant: string;
  readonly name: string;
}

/** The collection's row, read under a lock that ingestion, re-indexing and dropping agree on. */
export interface LockedCollection {
  readonly model: string;
  readonly chunk_size: number;
  readonly chunk_overlap: number;
  readonly active_version: number;
}

export interface CollectionSettings {
  readonly model: string;
  readonly chunkSize: number;
  readonly chunkOverlap: number;
}

export interface CollectionRow {
  readonly name: string;
  readonly model: string;
  readonly chunkSize: number;
  readonly chunkOverlap: number;
  readonly activeVersion: number;
  readonly documents: number;
  readonly createdAt: Date;
}

/** A stored document as a re-index reads it back. */
export interface StoredDocument {
  readonly id: string;
  readonly contentHash: string;
  readonly text: string;
  readonly metadata: Record<string, unknown>;
}

export type DocumentToStore = StoredDocument;

export type EmbeddedChunk = Chunk & { vector: number[] };

export type Queryable = Pick<PoolClient, 'query'>;

interface VersionRow {
  version: number;
  model: string;
  dimensions: number | null;
  chunk_size: number;
  chunk_overlap: number;
  state: VersionState;
  chunks?: string;
  created_at: Date;
  activated_at: Date | null;
}

const VERSION_COLUMNS = 'version, model, dimensions, chunk_size, chunk_overlap, state, created_at, activated_at';

/** The statements, on the pool or inside one transaction's connection. */
export class CollectionStatements {
  constructor(protected readonly db: Queryable) {}

  /** Creates the collection with its first, active version; false when the name is taken. */
  async insertCollection(collection: CollectionRef, settings: CollectionSettings): Promise<boolean> {
    const { tenant, name } = collection;
    const inserted = await this.db.query(
      `INSERT INTO embedding_collections (tenant, name, model, chunk_size, chunk_overlap, active_version)
       VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT DO NOTHING RETURNING name`,
      [tenant, name, settings.model, settings.chunkSize, settings.chunkOverlap],
    );
    if (inserted.rowCount === 0) return false;
    await this.db.query(
      `INSERT INTO embedding_index_versions
         (tenant, collection, version, model, chunk_size, chunk_overlap, state, activated_at)
       VALUES ($1, $2, 1, $3, $4, $5, 'active', now())`,
      [tenant, name, settings.model, settings.chunkSize, settings.chunkOverlap],
    );
    return true;
  }

  async collection(collection: CollectionRef): Promise<CollectionRow | undefined> {
    const { rows } = await this.db.query<{
      name: string;
      model: string;
      chunk_size: number;
      chunk_overlap: number;
      active_version: number;
      created_at: Date;
      documents: string;
    }>(
      `SELECT name, model, chunk_size, chunk_overlap, active_version, created_at,
              (SELECT count(*) FROM embedding_documents d WHERE d.tenant = c.tenant AND d.collection = c.name) AS documents
         FROM embedding_collections c WHERE tenant = $1 AND name = $2`,
      [collection.tenant, collection.name],
    );
    if (rows.length === 0) return undefined;
    const row = rows[0];
    return {
      name: row.name,
      model: row.model,
      chunkSize: row.chunk_size,
      chunkOverlap: row.chunk_overlap,
      activeVersion: row.active_version,
      documents: Number(row.documents),
      createdAt: row.created_at,
    };
  }

  async exists(collection: CollectionRef): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM embedding_collections WHERE tenant = $1 AND name = $2', [
      collection.tenant,
      collection.name,
    ]);
    return rows.length > 0;
  }

  /**
   * The collection's row under `FOR SHARE` (ingestion and a re-index's writes, which may run
   * together) or `FOR UPDATE` (starting a re-index, switching, dropping: one at a time).
   */
  async lock(collection: CollectionRef, mode: 'FOR SHARE' | 'FOR UPDATE'): Promise<LockedCollection | undefined> {
    const { rows } = await this.db.query<LockedCollection>(
      `SELECT model, chunk_size, chunk_overlap, active_version FROM embedding_collections
        WHERE tenant = $1 AND name = $2 ${mode}`,
      [collection.tenant, collection.name],
    );
    return rows[0];
  }

  /** Every version with its chunk count, oldest first. */
  async versions(collection: CollectionRef): Promise<IndexVersion[]> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT v.version, v.model, v.dimensions, v.chunk_size, v.chunk_overlap, v.state, v.created_at, v.activated_at,
              (SELECT count(*) FROM embedding_chunks c
                WHERE c.tenant = v.tenant AND c.collection = v.collection AND c.version = v.version) AS chunks
         FROM embedding_index_versions v WHERE v.tenant = $1 AND v.collection = $2 ORDER BY v.version`,
      [collection.tenant, collection.name],
    );
    return rows.map(versionOf);
  }

  async activeVersion(collection: CollectionRef): Promise<IndexVersion | undefined> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT v.version, v.model, v.dimensions, v.chunk_size, v.chunk_overlap, v.state, v.created_at, v.activated_at
         FROM embedding_collections c
         JOIN embedding_index_versions v
           ON v.tenant = c.tenant AND v.collection = c.name AND v.version = c.active_version
        WHERE c.tenant = $1 AND c.name = $2`,
      [collection.tenant, collection.name],
    );
    return rows.length > 0 ? versionOf(rows[0]) : undefined;
  }

  /** The versions ingestion writes to: the active one and a building one. */
  async liveVersions(collection: CollectionRef): Promise<IndexVersion[]> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS}
         FROM embedding_index_versions
        WHERE tenant = $1 AND collection = $2 AND state IN ('active', 'building') ORDER BY version`,
      [collection.tenant, collection.name],
    );
    return rows.map(versionOf);
  }

  /** The version when it is still building; undefined once switched to or dropped. */
  async buildingVersion(collection: CollectionRef, version: number): Promise<IndexVersion | undefined> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS}
         FROM embedding_index_versions
        WHERE tenant = $1 AND collection = $2 AND version = $3 AND state = 'building'`,
      [collection.tenant, collection.name, version],
    );
    return rows.length > 0 ? versionOf(rows[0]) : undefined;
  }

  /** The number of the version being built, if any. */
  async buildingVersionNumber(collection: CollectionRef): Promise<number | undefined> {
    const { rows } = await this.db.query<{ version: number }>(
      `SELECT version FROM embedding_index_versions WHERE tenant = $1 AND collection = $2 AND state = 'building'`,
      [collection.tenant, collection.name],
    );
    return rows[0]?.version;
  }

  /** Adds the next version, building, with these settings. */
  async insertBuildingVersion(collection: CollectionRef, settings: CollectionSettings): Promise<IndexVersion> {
    const { rows } = await this.db.query<VersionRow>(
      `INSERT INTO embedding_index_versions (tenant, collection, version, model, chunk_size, chunk_overlap, state)
       SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, 'building'
         FROM embedding_index_versions WHERE tenant = $1 AND collection = $2
       RETURNING ${VERSION_COLUMNS}`,
      [collection.tenant, collection.name, settings.model, settings.chunkSize, settings.chunkOverlap],
    );
    return versionOf(rows[0]);
  }

  /** Deletes the version with its chunks; false when there is no such version. */
  async deleteVersion(collection: CollectionRef, version: number): Promise<boolean> {
    const deleted = await this.db.query(
      'DELETE FROM embedding_index_versions WHERE tenant = $1 AND collection = $2 AND version = $3',
      [collection.tenant, collection.name, version],
    );
    return deleted.rowCount !== 0;
  }

  /**
   * Retires the active version and makes `version` active, the collection taking its settings
   * (inside the caller's transaction, under the collection's `FOR UPDATE` lock).
   */
  async switchTo(collection: CollectionRef, version: number): Promise<void> {
    const { tenant, name } = collection;
    await this.db.query(
      `UPDATE embedding_index_versions SET state = 'retired'
        WHERE tenant = $1 AND collection = $2 AND state = 'active'`,
      [tenant, name],
    );
    const { rows } = await this.db.query<VersionRow>(
      `UPDATE embedding_index_versions SET state = 'active', activated_at = now()
        WHERE tenant = $1 AND collection = $2 AND version = $3
        RETURNING model, chunk_size, chunk_overlap`,
      [tenant, name, version],
    );
    await this.db.query(
      `UPDATE embedding_collections SET active_version = $3, model = $4, chunk_size = $5, chunk_overlap = $6
        WHERE tenant = $1 AND name = $2`,
      [tenant, name, version, rows[0].model, rows[0].chunk_size, rows[0].chunk_overlap],
    );
  }

  /** The content hash of each of these documents that is stored, by document id. */
  async storedHashes(collection: CollectionRef, ids: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.db.query<{ document_id: string; content_hash: string }>(
      `SELECT document_id, content_hash FROM embedding_documents
        WHERE tenant = $1 AND collection = $2 AND document_id = ANY($3::text[])`,
      [collection.tenant, collection.name, ids],
    );
    return new Map(rows.map((row) => [row.document_id, row.content_hash]));
  }

  /**
   * Stores the document, or replaces a stored one whose text or metadata differ. False when it was
   * stored exactly so already (someone else stored this very document meanwhile).
   */
  async upsertDocument(collection: CollectionRef, document: DocumentToStore): Promise<boolean> {
    const upserted = await this.db.query(
      `INSERT INTO embedding_documents (tenant, collection, document_id, content_hash, text, metadata)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (tenant, collection, document_id) DO UPDATE
         SET content_hash = EXCLUDED.content_hash, text = EXCLUDED.text, metadata = EXCLUDED.metadata,
             updated_at = now()
         WHERE embedding_documents.content_hash <> EXCLUDED.content_hash
       RETURNING document_id`,
      [
        collection.tenant,
        collection.name,
        document.id,
        document.contentHash,
        document.text,
        JSON.stringify(document.metadata),
      ],
    );
    return upserted.rowCount !== 0;
  }

  /** Locks the document's row if it still holds that content; false when it changed since. */
  async lockDocumentIfCurrent(
    collection: CollectionRef,
    document: { id: string; contentHash: string },
  ): Promise<boolean> {
    const current = await this.db.query(
      `SELECT 1 FROM embedding_documents
        WHERE tenant = $1 AND collection = $2 AND document_id = $3 AND content_hash = $4 FOR UPDATE`,
      [collection.tenant, collection.name, document.id, document.contentHash],
    );
    return current.rows.length > 0;
  }

  /** Stored documents whose current text has no chunks in the version (new, or changed since). */
  async missingDocuments(collection: CollectionRef, version: number, limit: number): Promise<StoredDocument[]> {
    const { rows } = await this.db.query<{
      document_id: string;
      content_hash: string;
      text: string;
      metadata: Record<string, unknown>;
    }>(
      `SELECT d.document_id, d.content_hash, d.text, d.metadata
         FROM embedding_documents d
        WHERE d.tenant = $1 AND d.collection = $2
          AND NOT EXISTS (
            SELECT 1 FROM embedding_chunks c
             WHERE c.tenant = d.tenant AND c.collection = d.collection AND c.version = $3
               AND c.document_id = d.document_id AND c.content_hash = d.content_hash)
        ORDER BY d.document_id LIMIT $4`,
      [collection.tenant, collection.name, version, limit],
    );
    return rows.map((row) => ({
      id: row.document_id,
      contentHash: row.content_hash,
      text: row.text,
      metadata: row.metadata,
    }));
  }

  /**
   * Records the version's dimensions from its first vector, and answers the dimensions it holds
   * (the first vector's, whoever wrote it).
   */
  async settleDimensions(collection: CollectionRef, version: number, dimensions: number): Promise<number> {
    const { rows } = await this.db.query<{ dimensions: number }>(
      `UPDATE embedding_index_versions SET dimensions = coalesce(dimensions, $4)
        WHERE tenant = $1 AND collection = $2 AND version = $3 RETURNING dimensions`,
      [collection.tenant, collection.name, version, dimensions],
    );
    return rows[0].dimensions;
  }

  /** Replaces the document's chunks in one version (inside the caller's transaction). */
  async replaceChunks(
    collection: CollectionRef,
    version: number,
    document: { id: string; contentHash: string; metadata: Record<string, unknown> },
    chunks: readonly EmbeddedChunk[],
  ): Promise<void> {
    const { tenant, name } = collection;
    await this.db.query(
      'DELETE FROM embedding_chunks WHERE tenant = $1 AND collection = $2 AND version = $3 AND document_id = $4',
      [tenant, name, version, document.id],
    );
    // One statement per document whatever its chunk count (arrays, not one parameter per value).
    await this.db.query(
      `INSERT INTO embedding_chunks (tenant, collection, version, document_id, chunk_index, content_hash, content,
                                     metadata, start_offset, end_offset, embedding, dimensions)
       SELECT $1, $2, $3, $4, u.chunk_index, $5, u.content, $6::jsonb, u.start_offset, u.end_offset,
              u.embedding::vector, vector_dims(u.embedding::vector)
         FROM unnest($7::int[], $8::text[], $9::int[], $10::int[], $11::text[])
           AS u(chunk_index, content, start_offset, end_offset, embedding)`,
      [
        tenant,
        name,
        version,
        document.id,
        document.contentHash,
        JSON.stringify(document.metadata),
        chunks.map((c) => c.index),
        chunks.map((c) => c.content),
        chunks.map((c) => c.start),
        chunks.map((c) => c.end),
        chunks.map((c) => toVectorLiteral(c.vector)),
      ],
    );
  }
}

function versionOf(row: VersionRow): IndexVersion {
  return {
    version: row.version,
    model: row.model,
    dimensions: row.dimensions,
    chunkSize: row.chunk_size,
    chunkOverlap: row.chunk_overlap,
    state: row.state,
    chunks: Number(row.chunks ?? 0),
    createdAt: row.created_at,
    activatedAt: row.activated_at,
  };
}
