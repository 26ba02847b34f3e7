import type { Pool, PoolClient } from 'pg';
import { GatewayError } from '../http/errors';
import type { CallerIdentity } from '../http/types';
import { toVectorLiteral } from '../vector/sql-client';
import { chunkText, DEFAULT_CHUNKING, validateChunking, type Chunk, type ChunkingSettings } from './chunking';
import { DEFAULT_DOCUMENT_LIMITS, prepareDocuments, type DocumentInput, type DocumentLimits } from './documents';
import { DEFAULT_BATCH_LIMITS, GatewayEmbedder, type BatchLimits, type EmbeddingGateway } from './gateway-embedder';
import { validateCollectionName } from './names';
import type { ReindexMessage, ReindexQueue } from './reindex-queue';
import { parseS3Drop, type S3Object } from './s3-drop';

export type VersionState = 'building' | 'active' | 'retired';

export interface IndexVersion {
  readonly version: number;
  readonly model: string;
  /** Unknown (null) until the model has returned its first vector for this version. */
  readonly dimensions: number | null;
  readonly chunkSize: number;
  readonly chunkOverlap: number;
  readonly state: VersionState;
  readonly chunks: number;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
}

export interface Collection {
  readonly name: string;
  readonly model: string;
  readonly chunkSize: number;
  readonly chunkOverlap: number;
  readonly activeVersion: number;
  readonly documents: number;
  readonly createdAt: Date;
  readonly versions: readonly IndexVersion[];
}

export interface CreateCollection {
  readonly name: string;
  readonly model: string;
  readonly chunkSize?: number;
  readonly chunkOverlap?: number;
}

export interface IngestResult {
  /** Documents in the request (after dropping exact repeats within it). */
  readonly documents: number;
  /** Chunks written, over every version written to. */
  readonly chunksWritten: number;
  /** Documents already stored with the same text and metadata. */
  readonly unchanged: number;
}

export interface SearchRequest {
  readonly query: string;
  readonly topK?: number;
  /** JSON containment on the chunk's metadata: `{"lang": "en"}` matches every chunk tagged so. */
  readonly filter?: Record<string, unknown>;
}

export interface SearchHit {
  readonly documentId: string;
  readonly chunkIndex: number;
  readonly content: string;
  readonly metadata: Record<string, unknown>;
  readonly start: number;
  readonly end: number;
  /** Cosine similarity, 1 for the same direction. */
  readonly score: number;
}

export interface SearchResult {
  /** The index version that answered. */
  readonly version: number;
  readonly results: readonly SearchHit[];
}

export interface ReindexRequest {
  readonly model?: string;
  readonly chunkSize?: number;
  readonly chunkOverlap?: number;
}

export type ReindexOutcome =
  | { readonly kind: 'switched'; readonly version: number; readonly documents: number }
  /** The version is not building any more (already switched, or dropped): nothing to do. */
  | { readonly kind: 'skipped'; readonly version: number };

export interface EmbeddingServiceOptions {
  /** The platform's Postgres with the vector schema applied (`migrateVectorSchema`). */
  readonly pool: Pick<Pool, 'query' | 'connect'>;
  /** Every embedding is a call through the gateway, as the caller. */
  readonly gateway: EmbeddingGateway;
  /** Where `reindex` sends the work that `runReindex` does. */
  readonly queue: ReindexQueue;
  readonly batch?: BatchLimits;
  readonly documents?: DocumentLimits;
  /** Upper bound of `top_k`. @default 100 */
  readonly maxTopK?: number;
  /** Documents a re-index embeds per round. @default 64 */
  readonly reindexPageSize?: number;
}

const DEFAULT_TOP_K = 5;

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

interface StoredDocument {
  document_id: string;
  content_hash: string;
  text: string;
  metadata: Record<string, unknown>;
}

/**
 * Collections of chunked, embedded documents per tenant, searchable by meaning, re-indexable
 * without downtime. Every statement names the caller's tenant: a collection of another tenant,
 * even one of the same name, does not exist for the caller.
 *
 * Versions: a collection answers from its active index version. `reindex` adds a `building`
 * version that a worker (`runReindex`) fills from the stored documents, while ingestion keeps
 * writing to both; once no document is missing from it, the collection switches to it under a row
 * lock, and the old version stays, retired, until `dropVersion`.
 */
export class EmbeddingService {
  private readonly embedder: GatewayEmbedder;
  private readonly documentLimits: DocumentLimits;
  private readonly maxTopK: number;
  private readonly pageSize: number;

  constructor(private readonly options: EmbeddingServiceOptions) {
    this.embedder = new GatewayEmbedder(options.gateway, options.batch ?? DEFAULT_BATCH_LIMITS);
    this.documentLimits = options.documents ?? DEFAULT_DOCUMENT_LIMITS;
    this.maxTopK = options.maxTopK ?? 100;
    this.pageSize = options.reindexPageSize ?? 64;
  }

  async createCollection(identity: CallerIdentity, request: CreateCollection): Promise<Collection> {
    const name = validateCollectionName(request.name);
    if (typeof request.model !== 'string' || request.model === '') {
      throw GatewayError.badRequest('Name the embedding model of the collection in "model".', 'model');
    }
    // Checked now: a collection (or a re-index) on a model the caller cannot use would never fill.
    const model = this.options.gateway.authorizeModel(identity, request.model, 'embedding');
    const size = request.chunkSize ?? DEFAULT_CHUNKING.chunkSize;
    const { chunkSize, chunkOverlap } = validateChunking({
      chunkSize: size,
      chunkOverlap: request.chunkOverlap ?? defaultOverlap(size),
    });
    await this.transaction(async (db) => {
      const inserted = await db.query(
        `INSERT INTO embedding_collections (tenant, name, model, chunk_size, chunk_overlap, active_version)
         VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT DO NOTHING RETURNING name`,
        [identity.tenant, name, model, chunkSize, chunkOverlap],
      );
      if (inserted.rowCount === 0) {
        throw new GatewayError(409, 'invalid_request_error', `A collection named '${name}' exists already.`, {
          param: 'name',
          code: 'collection_exists',
        });
      }
      await db.query(
        `INSERT INTO embedding_index_versions
           (tenant, collection, version, model, chunk_size, chunk_overlap, state, activated_at)
         VALUES ($1, $2, 1, $3, $4, $5, 'active', now())`,
        [identity.tenant, name, model, chunkSize, chunkOverlap],
      );
    });
    return this.getCollection(identity, name);
  }

  async getCollection(identity: CallerIdentity, name: string): Promise<Collection> {
    const { rows } = await this.options.pool.query<{
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
      [identity.tenant, name],
    );
    if (rows.length === 0) throw notFound(name);
    const versions = await this.options.pool.query<VersionRow>(
      `SELECT v.version, v.model, v.dimensions, v.chunk_size, v.chunk_overlap, v.state, v.created_at, v.activated_at,
              (SELECT count(*) FROM embedding_chunks c
                WHERE c.tenant = v.tenant AND c.collection = v.collection AND c.version = v.version) AS chunks
         FROM embedding_index_versions v WHERE v.tenant = $1 AND v.collection = $2 ORDER BY v.version`,
      [identity.tenant, name],
    );
    const row = rows[0];
    return {
      name: row.name,
      model: row.model,
      chunkSize: row.chunk_size,
      chunkOverlap: row.chunk_overlap,
      activeVersion: row.active_version,
      documents: Number(row.documents),
      createdAt: row.created_at,
      versions: versions.rows.map(versionOf),
    };
  }

  /**
   * Stores, chunks and embeds documents. A document already stored with the same text and metadata
   * is left alone (no embedding call); a changed one has its chunks replaced in one transaction in
   * every version being written (the active one and a building one).
   */
  async ingest(identity: CallerIdentity, name: string, documents: readonly DocumentInput[]): Promise<IngestResult> {
    const prepared = prepareDocuments(documents, this.documentLimits);
    const { tenant } = identity;
    await this.requireCollection(tenant, name);
    const stored = await this.options.pool.query<{ document_id: string; content_hash: string }>(
      `SELECT document_id, content_hash FROM embedding_documents
        WHERE tenant = $1 AND collection = $2 AND document_id = ANY($3::text[])`,
      [tenant, name, prepared.map((d) => d.id)],
    );
    const storedHash = new Map(stored.rows.map((row) => [row.document_id, row.content_hash]));
    const changed = prepared.filter((d) => storedHash.get(d.id) !== d.contentHash);
    let unchanged = prepared.length - changed.length;
    let chunksWritten = 0;
    if (changed.length === 0) return { documents: prepared.length, chunksWritten, unchanged };

    const versions = await this.liveVersions(this.options.pool, tenant, name);
    // Network calls first, outside any transaction: a transaction holds its locks only to write.
    const embedded = new Map<number, EmbeddedChunk[][]>();
    for (const version of versions) {
      embedded.set(version.version, await this.embedDocuments(identity, version, changed));
    }
    for (const [i, document] of changed.entries()) {
      const written = await this.transaction(async (db) => {
        await lockCollection(db, tenant, name, 'FOR SHARE');
        const upserted = await db.query(
          `INSERT INTO embedding_documents (tenant, collection, document_id, content_hash, text, metadata)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)
           ON CONFLICT (tenant, collection, document_id) DO UPDATE
             SET content_hash = EXCLUDED.content_hash, text = EXCLUDED.text, metadata = EXCLUDED.metadata,
                 updated_at = now()
             WHERE embedding_documents.content_hash <> EXCLUDED.content_hash
           RETURNING document_id`,
          [tenant, name, document.id, document.contentHash, document.text, JSON.stringify(document.metadata)],
        );
        // Someone else stored exactly this document meanwhile (a concurrent duplicate).
        if (upserted.rowCount === 0) return undefined;
        let count = 0;
        // Versions created after the embedding above are left to the re-index's catch-up, which
        // finds this document by its hash.
        const live = new Set((await this.liveVersions(db, tenant, name)).map((v) => v.version));
        for (const version of versions) {
          if (!live.has(version.version)) continue;
          count += await writeChunks(db, tenant, name, version, document, embedded.get(version.version)![i]);
        }
        return count;
      });
      if (written === undefined) unchanged++;
      else chunksWritten += written;
    }
    return { documents: prepared.length, chunksWritten, unchanged };
  }

  /** Nearest chunks of the active version by cosine distance, optionally filtered on metadata. */
  async search(identity: CallerIdentity, name: string, request: SearchRequest): Promise<SearchResult> {
    if (typeof request.query !== 'string' || request.query.trim() === '') {
      throw GatewayError.badRequest('Send the text to search for in "query".', 'query');
    }
    const topK = request.topK ?? DEFAULT_TOP_K;
    if (!Number.isInteger(topK) || topK < 1 || topK > this.maxTopK) {
      throw GatewayError.badRequest(`top_k must be a whole number from 1 to ${this.maxTopK}; got ${topK}.`, 'top_k');
    }
    const filter = request.filter ?? {};
    let active = await this.activeVersion(identity.tenant, name);
    for (let attempt = 0; ; attempt++) {
      // No vector yet: nothing to find, and no reason to spend an embedding call.
      if (active.dimensions === null) return { version: active.version, results: [] };
      const [vector] = await this.embedder.embed(identity, active.model, [request.query]);
      if (vector.length !== active.dimensions) throw dimensionsChanged(active, vector.length);
      const hits = await this.nearest(identity.tenant, name, active, vector, filter, topK);
      if (hits.length > 0 || attempt >= 2) return { version: active.version, results: hits };
      // Empty: the version that was active may have been switched away from and dropped meanwhile.
      const now = await this.activeVersion(identity.tenant, name);
      if (now.version === active.version) return { version: active.version, results: hits };
      active = now;
    }
  }

  /**
   * Starts building a new version with other settings (or the same ones, to rebuild): 202-style,
   * the work runs from the queue. One re-index at a time per collection.
   */
  async reindex(identity: CallerIdentity, name: string, request: ReindexRequest): Promise<IndexVersion> {
    const { tenant } = identity;
    if (request.model !== undefined && (typeof request.model !== 'string' || request.model === '')) {
      throw GatewayError.badRequest('"model" must name an embedding model.', 'model');
    }
    const model =
      request.model === undefined
        ? undefined
        : this.options.gateway.authorizeModel(identity, request.model, 'embedding');
    const version = await this.transaction(async (db) => {
      const collection = await lockCollection(db, tenant, name, 'FOR UPDATE');
      const size = request.chunkSize ?? collection.chunk_size;
      const chunking = validateChunking({
        chunkSize: size,
        // The collection's overlap carries over when it still fits the new size.
        chunkOverlap:
          request.chunkOverlap ?? (collection.chunk_overlap < size ? collection.chunk_overlap : defaultOverlap(size)),
      });
      const building = await db.query<{ version: number }>(
        `SELECT version FROM embedding_index_versions WHERE tenant = $1 AND collection = $2 AND state = 'building'`,
        [tenant, name],
      );
      if (building.rows.length > 0) {
        throw new GatewayError(
          409,
          'invalid_request_error',
          `Collection '${name}' is already re-indexing into version ${building.rows[0].version}; wait for it to finish or delete that version.`,
          { code: 'reindex_in_progress' },
        );
      }
      const { rows } = await db.query<VersionRow>(
        `INSERT INTO embedding_index_versions (tenant, collection, version, model, chunk_size, chunk_overlap, state)
         SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, 'building'
           FROM embedding_index_versions WHERE tenant = $1 AND collection = $2
         RETURNING version, model, dimensions, chunk_size, chunk_overlap, state, created_at, activated_at`,
        [tenant, name, model ?? collection.model, chunking.chunkSize, chunking.chunkOverlap],
      );
      return versionOf(rows[0]);
    });
    try {
      await this.options.queue.send({ tenant, collection: name, version: version.version });
    } catch (error) {
      await this.options.pool.query(
        'DELETE FROM embedding_index_versions WHERE tenant = $1 AND collection = $2 AND version = $3',
        [tenant, name, version.version],
      );
      throw new GatewayError(503, 'api_error', 'The re-index could not be queued; ask for it again.', {
        code: 'enqueue_failed',
        cause: error,
      });
    }
    return version;
  }

  /**
   * The queue's worker: embeds every stored document missing from the building version (as the
   * collection's tenant), repeats for documents ingested or changed meanwhile, and switches when
   * none is missing, checked again under the collection's row lock that ingestion also takes.
   * Running it twice for one message is harmless.
   */
  async runReindex(message: ReindexMessage): Promise<ReindexOutcome> {
    const { tenant, collection: name, version: number } = message;
    const identity: CallerIdentity = { tenant };
    let documents = 0;
    for (;;) {
      const version = await this.buildingVersion(this.options.pool, tenant, name, number);
      if (!version) return { kind: 'skipped', version: number };
      const missing = await this.missingDocuments(this.options.pool, tenant, name, number, this.pageSize);
      if (missing.length > 0) {
        const prepared = missing.map((row) => ({
          id: row.document_id,
          text: row.text,
          metadata: row.metadata,
          contentHash: row.content_hash,
        }));
        const embedded = await this.embedDocuments(identity, version, prepared);
        for (const [i, document] of prepared.entries()) {
          await this.transaction(async (db) => {
            await lockCollection(db, tenant, name, 'FOR SHARE');
            if (!(await this.buildingVersion(db, tenant, name, number))) return;
            const current = await db.query(
              `SELECT 1 FROM embedding_documents
                WHERE tenant = $1 AND collection = $2 AND document_id = $3 AND content_hash = $4 FOR UPDATE`,
              [tenant, name, document.id, document.contentHash],
            );
            // Changed since it was read: the next round embeds the new text.
            if (current.rows.length === 0) return;
            await writeChunks(db, tenant, name, version, document, embedded[i]);
            documents++;
          });
        }
        continue;
      }
      const switched = await this.transaction(async (db) => {
        await lockCollection(db, tenant, name, 'FOR UPDATE');
        if (!(await this.buildingVersion(db, tenant, name, number))) return 'gone' as const;
        if ((await this.missingDocuments(db, tenant, name, number, 1)).length > 0) return 'behind' as const;
        await db.query(
          `UPDATE embedding_index_versions SET state = 'retired'
            WHERE tenant = $1 AND collection = $2 AND state = 'active'`,
          [tenant, name],
        );
        const { rows } = await db.query<VersionRow>(
          `UPDATE embedding_index_versions SET state = 'active', activated_at = now()
            WHERE tenant = $1 AND collection = $2 AND version = $3
            RETURNING model, chunk_size, chunk_overlap`,
          [tenant, name, number],
        );
        await db.query(
          `UPDATE embedding_collections SET active_version = $3, model = $4, chunk_size = $5, chunk_overlap = $6
            WHERE tenant = $1 AND name = $2`,
          [tenant, name, number, rows[0].model, rows[0].chunk_size, rows[0].chunk_overlap],
        );
        return 'switched' as const;
      });
      if (switched === 'gone') return { kind: 'skipped', version: number };
      if (switched === 'switched') return { kind: 'switched', version: number, documents };
    }
  }

  /** Deletes a version that is not active, with its chunks (a retired one, or a building one to cancel it). */
  async dropVersion(identity: CallerIdentity, name: string, version: number): Promise<void> {
    const { tenant } = identity;
    await this.transaction(async (db) => {
      const collection = await lockCollection(db, tenant, name, 'FOR UPDATE');
      if (collection.active_version === version) {
        throw new GatewayError(
          409,
          'invalid_request_error',
          `Version ${version} is the active version of '${name}'; re-index to another version first, then delete this one.`,
          { param: 'version', code: 'version_active' },
        );
      }
      const deleted = await db.query(
        'DELETE FROM embedding_index_versions WHERE tenant = $1 AND collection = $2 AND version = $3',
        [tenant, name, version],
      );
      if (deleted.rowCount === 0) {
        throw GatewayError.notFound(`Collection '${name}' has no version ${version}.`, 'version', 'version_not_found');
      }
    });
  }

  /**
   * An object dropped into the ingestion bucket, as `<tenant>/<collection>/<anything>`: ingested as
   * that tenant, through the gateway like any other ingestion.
   */
  async ingestS3Object(object: S3Object): Promise<IngestResult & { tenant: string; collection: string }> {
    const drop = parseS3Drop(object);
    const result = await this.ingest({ tenant: drop.tenant }, drop.collection, [drop.document]);
    return { ...result, tenant: drop.tenant, collection: drop.collection };
  }

  private async embedDocuments(
    identity: CallerIdentity,
    version: IndexVersion,
    documents: readonly { text: string }[],
  ): Promise<EmbeddedChunk[][]> {
    const chunked: Chunk[][] = [];
    for (const [index, document] of documents.entries()) {
      const chunks = await chunkText(document.text, settingsOf(version));
      // A stored document without chunks would look missing from every version forever.
      if (chunks.length === 0) {
        throw GatewayError.badRequest(`Document ${index} has no text to embed.`, `documents.${index}.text`);
      }
      chunked.push(chunks);
    }
    const vectors = await this.embedder.embed(
      identity,
      version.model,
      chunked.flat().map((chunk) => chunk.content),
    );
    let next = 0;
    return chunked.map((chunks) => chunks.map((chunk) => ({ ...chunk, vector: vectors[next++] })));
  }

  private async requireCollection(tenant: string, name: string): Promise<void> {
    const { rows } = await this.options.pool.query(
      'SELECT 1 FROM embedding_collections WHERE tenant = $1 AND name = $2',
      [tenant, name],
    );
    if (rows.length === 0) throw notFound(name);
  }

  private async activeVersion(tenant: string, name: string): Promise<IndexVersion> {
    const { rows } = await this.options.pool.query<VersionRow>(
      `SELECT v.version, v.model, v.dimensions, v.chunk_size, v.chunk_overlap, v.state, v.created_at, v.activated_at
         FROM embedding_collections c
         JOIN embedding_index_versions v
           ON v.tenant = c.tenant AND v.collection = c.name AND v.version = c.active_version
        WHERE c.tenant = $1 AND c.name = $2`,
      [tenant, name],
    );
    if (rows.length === 0) throw notFound(name);
    return versionOf(rows[0]);
  }

  private async liveVersions(db: Queryable, tenant: string, name: string): Promise<IndexVersion[]> {
    const { rows } = await db.query<VersionRow>(
      `SELECT version, model, dimensions, chunk_size, chunk_overlap, state, created_at, activated_at
         FROM embedding_index_versions
        WHERE tenant = $1 AND collection = $2 AND state IN ('active', 'building') ORDER BY version`,
      [tenant, name],
    );
    return rows.map(versionOf);
  }

  private async buildingVersion(
    db: Queryable,
    tenant: string,
    name: string,
    version: number,
  ): Promise<IndexVersion | undefined> {
    const { rows } = await db.query<VersionRow>(
      `SELECT version, model, dimensions, chunk_size, chunk_overlap, state, created_at, activated_at
         FROM embedding_index_versions
        WHERE tenant = $1 AND collection = $2 AND version = $3 AND state = 'building'`,
      [tenant, name, version],
    );
    return rows.length > 0 ? versionOf(rows[0]) : undefined;
  }

  /** Stored documents whose current text has no chunks in the version (new, or changed since). */
  private async missingDocuments(
    db: Queryable,
    tenant: string,
    name: string,
    version: number,
    limit: number,
  ): Promise<StoredDocument[]> {
    const { rows } = await db.query<StoredDocument>(
      `SELECT d.document_id, d.content_hash, d.text, d.metadata
         FROM embedding_documents d
        WHERE d.tenant = $1 AND d.collection = $2
          AND NOT EXISTS (
            SELECT 1 FROM embedding_chunks c
             WHERE c.tenant = d.tenant AND c.collection = d.collection AND c.version = $3
               AND c.document_id = d.document_id AND c.content_hash = d.content_hash)
        ORDER BY d.document_id LIMIT $4`,
      [tenant, name, version, limit],
    );
    return rows;
  }

  private async nearest(
    tenant: string,
    name: string,
    version: IndexVersion,
    vector: number[],
    filter: Record<string, unknown>,
    topK: number,
  ): Promise<SearchHit[]> {
    const n = checkedDimensions(version.dimensions!);
    const { rows } = await this.transaction(async (db) => {
      // Without it, HNSW hands over its ef_search nearest chunks of every tenant and the filters
      // below can leave none for a small collection; iterative scans (pgvector 0.8) keep looking.
      await db.query(`SET LOCAL hnsw.iterative_scan = strict_order`);
      return db.query<NearestRow>(nearestChunksSql(n), [
        tenant,
        name,
        version.version,
        toVectorLiteral(vector),
        JSON.stringify(filter),
        topK,
      ]);
    });
    return rows.map((row) => ({
      documentId: row.document_id,
      chunkIndex: row.chunk_index,
      content: row.content,
      metadata: row.metadata,
      start: row.start_offset,
      end: row.end_offset,
      score: 1 - Number(row.distance),
    }));
  }

  private async transaction<T>(fn: (db: PoolClient) => Promise<T>): Promise<T> {
    const db = await this.options.pool.connect();
    try {
      await db.query('BEGIN');
      const result = await fn(db);
      await db.query('COMMIT');
      return result;
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      db.release();
    }
  }
}

type Queryable = Pick<PoolClient, 'query'>;

interface NearestRow {
  document_id: string;
  chunk_index: number;
  content: string;
  metadata: Record<string, unknown>;
  start_offset: number;
  end_offset: number;
  distance: number;
}

/**
 * The search statement for n-dimensional vectors. A type modifier cannot be a parameter; the cast
 * and the `dimensions = n` predicate must match the partial HNSW index's expression for the
 * planner to use it, so n is a checked integer written into the text.
 * Parameters: tenant, collection, version, query vector, metadata filter (jsonb), limit.
 */
export function nearestChunksSql(dimensions: number): string {
  const n = checkedDimensions(dimensions);
  return `SELECT document_id, chunk_index, content, metadata, start_offset, end_offset,
              embedding::vector(${n}) <=> $4::vector(${n}) AS distance
         FROM embedding_chunks
        WHERE tenant = $1 AND collection = $2 AND version = $3 AND dimensions = ${n} AND metadata @> $5::jsonb
        ORDER BY embedding::vector(${n}) <=> $4::vector(${n})
        LIMIT $6`;
}
type EmbeddedChunk = Chunk & { vector: number[] };

async function lockCollection(
  db: Queryable,
  tenant: string,
  name: string,
  mode: 'FOR SHARE' | 'FOR UPDATE',
): Promise<{ model: string; chunk_size: number; chunk_overlap: number; active_version: number }> {
  const { rows } = await db.query<{ model: string; chunk_size: number; chunk_overlap: number; active_version: number }>(
    `SELECT model, chunk_size, chunk_overlap, active_version FROM embedding_collections
      WHERE tenant = $1 AND name = $2 ${mode}`,
    [tenant, name],
  );
  if (rows.length === 0) throw notFound(name);
  return rows[0];
}

/** Replaces the document's chunks in one version (inside the caller's transaction). */
async function writeChunks(
  db: Queryable,
  tenant: string,
  name: string,
  version: IndexVersion,
  document: { id: string; contentHash: string; metadata: Record<string, unknown> },
  chunks: readonly EmbeddedChunk[],
): Promise<number> {
  const size = chunks[0]?.vector.length;
  if (size !== undefined) {
    const { rows } = await db.query<{ dimensions: number }>(
      `UPDATE embedding_index_versions SET dimensions = coalesce(dimensions, $4)
        WHERE tenant = $1 AND collection = $2 AND version = $3 RETURNING dimensions`,
      [tenant, name, version.version, size],
    );
    if (chunks.some((chunk) => chunk.vector.length !== rows[0].dimensions)) {
      throw dimensionsChanged({ ...version, dimensions: rows[0].dimensions }, size);
    }
  }
  await db.query(
    'DELETE FROM embedding_chunks WHERE tenant = $1 AND collection = $2 AND version = $3 AND document_id = $4',
    [tenant, name, version.version, document.id],
  );
  // One statement per document whatever its chunk count (arrays, not one parameter per value).
  await db.query(
    `INSERT INTO embedding_chunks (tenant, collection, version, document_id, chunk_index, content_hash, content,
                                   metadata, start_offset, end_offset, embedding, dimensions)
     SELECT $1, $2, $3, $4, u.chunk_index, $5, u.content, $6::jsonb, u.start_offset, u.end_offset,
            u.embedding::vector, vector_dims(u.embedding::vector)
       FROM unnest($7::int[], $8::text[], $9::int[], $10::int[], $11::text[])
         AS u(chunk_index, content, start_offset, end_offset, embedding)`,
    [
      tenant,
      name,
      version.version,
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
  return chunks.length;
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

/** A fifth of the chunk, at most the default: context carried across a cut without much repetition. */
function defaultOverlap(chunkSize: number): number {
  return Math.min(DEFAULT_CHUNKING.chunkOverlap, Math.floor(chunkSize / 5));
}

function settingsOf(version: IndexVersion): ChunkingSettings {
  return { chunkSize: version.chunkSize, chunkOverlap: version.chunkOverlap };
}

function checkedDimensions(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 16_000) throw new Error(`invalid vector dimensions ${n}`);
  return n;
}

function notFound(name: string): GatewayError {
  return GatewayError.notFound(
    `No collection '${name}'. Create it with POST /v1/collections.`,
    'name',
    'collection_not_found',
  );
}

function dimensionsChanged(version: IndexVersion, got: number): GatewayError {
  return new GatewayError(
    502,
    'upstream_error',
    `The model '${version.model}' returned ${got}-dimensional vectors; version ${version.version} holds ${version.dimensions}. Re-index the collection to change models.`,
    { code: 'embedding_dimensions_changed' },
  );
}
