import type { Pool } from 'pg';
import { GatewayError } from '../http/errors';
import type { CallerIdentity } from '../http/types';
import { chunkText, DEFAULT_CHUNKING, validateChunking, type Chunk, type ChunkingSettings } from './chunking';
import { CollectionRepository } from './collection-repository';
import type {
  CollectionRef,
  CollectionStatements,
  EmbeddedChunk,
  LockedCollection,
  StoredDocument,
} from './collection-statements';
import type {
  Collection,
  CreateCollection,
  IndexVersion,
  IngestResult,
  ReindexOutcome,
  ReindexRequest,
  SearchRequest,
  SearchResult,
} from './collections';
import { DEFAULT_DOCUMENT_LIMITS, prepareDocuments, type DocumentInput, type DocumentLimits } from './documents';
import { DEFAULT_BATCH_LIMITS, GatewayEmbedder, type BatchLimits, type EmbeddingGateway } from './gateway-embedder';
import { validateCollectionName } from './names';
import type { ReindexMessage, ReindexQueue } from './reindex-queue';
import { parseS3Drop, type S3Object } from './s3-drop';

export interface CollectionServiceOptions {
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
export class CollectionService {
  private readonly repository: CollectionRepository;
  private readonly embedder: GatewayEmbedder;
  private readonly documentLimits: DocumentLimits;
  private readonly maxTopK: number;
  private readonly pageSize: number;

  constructor(private readonly options: CollectionServiceOptions) {
    this.repository = new CollectionRepository(options.pool);
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
    const collection = { tenant: identity.tenant, name };
    await this.repository.transaction(async (tx) => {
      if (!(await tx.insertCollection(collection, { model, chunkSize, chunkOverlap }))) {
        throw new GatewayError(409, 'invalid_request_error', `A collection named '${name}' exists already.`, {
          param: 'name',
          code: 'collection_exists',
        });
      }
    });
    return this.getCollection(identity, name);
  }

  async getCollection(identity: CallerIdentity, name: string): Promise<Collection> {
    const collection = { tenant: identity.tenant, name };
    const row = await this.repository.collection(collection);
    if (!row) throw notFound(name);
    return { ...row, versions: await this.repository.versions(collection) };
  }

  /**
   * Stores, chunks and embeds documents. A document already stored with the same text and metadata
   * is left alone (no embedding call); a changed one has its chunks replaced in one transaction in
   * every version being written (the active one and a building one).
   */
  async ingest(identity: CallerIdentity, name: string, documents: readonly DocumentInput[]): Promise<IngestResult> {
    const prepared = prepareDocuments(documents, this.documentLimits);
    const collection = { tenant: identity.tenant, name };
    if (!(await this.repository.exists(collection))) throw notFound(name);
    const storedHash = await this.repository.storedHashes(
      collection,
      prepared.map((d) => d.id),
    );
    const changed = prepared.filter((d) => storedHash.get(d.id) !== d.contentHash);
    let unchanged = prepared.length - changed.length;
    let chunksWritten = 0;
    if (changed.length === 0) return { documents: prepared.length, chunksWritten, unchanged };

    const versions = await this.repository.liveVersions(collection);
    // Network calls first, outside any transaction: a transaction holds its locks only to write.
    const embedded = new Map<number, EmbeddedChunk[][]>();
    for (const version of versions) {
      embedded.set(version.version, await this.embedDocuments(identity, version, changed));
    }
    for (const [i, document] of changed.entries()) {
      const written = await this.repository.transaction(async (tx) => {
        await lockCollection(tx, collection, 'FOR SHARE');
        // Someone else stored exactly this document meanwhile (a concurrent duplicate).
        if (!(await tx.upsertDocument(collection, document))) return undefined;
        let count = 0;
        // Versions created after the embedding above are left to the re-index's catch-up, which
        // finds this document by its hash.
        const live = new Set((await tx.liveVersions(collection)).map((v) => v.version));
        for (const version of versions) {
          if (!live.has(version.version)) continue;
          count += await writeChunks(tx, { collection, version, document }, embedded.get(version.version)![i]);
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
    const collection = { tenant: identity.tenant, name };
    let active = await this.activeVersion(collection);
    for (let attempt = 0; ; attempt++) {
      // No vector yet: nothing to find, and no reason to spend an embedding call.
      if (active.dimensions === null) return { version: active.version, results: [] };
      const [vector] = await this.embedder.embed(identity, active.model, [request.query]);
      if (vector.length !== active.dimensions) throw dimensionsChanged(active, vector.length);
      const hits = await this.repository.nearest(collection, { version: active, vector, filter, topK });
      if (hits.length > 0 || attempt >= 2) return { version: active.version, results: hits };
      // Empty: the version that was active may have been switched away from and dropped meanwhile.
      const now = await this.activeVersion(collection);
      if (now.version === active.version) return { version: active.version, results: hits };
      active = now;
    }
  }

  /**
   * Starts building a new version with other settings (or the same ones, to rebuild): 202-style,
   * the work runs from the queue. One re-index at a time per collection.
   */
  async reindex(identity: CallerIdentity, name: string, request: ReindexRequest): Promise<IndexVersion> {
    if (request.model !== undefined && (typeof request.model !== 'string' || request.model === '')) {
      throw GatewayError.badRequest('"model" must name an embedding model.', 'model');
    }
    const model =
      request.model === undefined
        ? undefined
        : this.options.gateway.authorizeModel(identity, request.model, 'embedding');
    const collection = { tenant: identity.tenant, name };
    const version = await this.repository.transaction(async (tx) => {
      const current = await lockCollection(tx, collection, 'FOR UPDATE');
      const size = request.chunkSize ?? current.chunk_size;
      const chunking = validateChunking({
        chunkSize: size,
        // The collection's overlap carries over when it still fits the new size.
        chunkOverlap:
          request.chunkOverlap ?? (current.chunk_overlap < size ? current.chunk_overlap : defaultOverlap(size)),
      });
      const building = await tx.buildingVersionNumber(collection);
      if (building !== undefined) {
        throw new GatewayError(
          409,
          'invalid_request_error',
          `Collection '${name}' is already re-indexing into version ${building}; wait for it to finish or delete that version.`,
          { code: 'reindex_in_progress' },
        );
      }
      return tx.insertBuildingVersion(collection, { model: model ?? current.model, ...chunking });
    });
    try {
      await this.options.queue.send({ tenant: identity.tenant, collection: name, version: version.version });
    } catch (error) {
      await this.repository.deleteVersion(collection, version.version);
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
    const collection = { tenant, name };
    let documents = 0;
    for (;;) {
      const version = await this.repository.buildingVersion(collection, number);
      if (!version) return { kind: 'skipped', version: number };
      const missing = await this.repository.missingDocuments(collection, number, this.pageSize);
      if (missing.length > 0) {
        documents += await this.catchUp(identity, collection, version, missing);
        continue;
      }
      const switched = await this.repository.transaction(async (tx) => {
        await lockCollection(tx, collection, 'FOR UPDATE');
        if (!(await tx.buildingVersion(collection, number))) return 'gone' as const;
        if ((await tx.missingDocuments(collection, number, 1)).length > 0) return 'behind' as const;
        await tx.switchTo(collection, number);
        return 'switched' as const;
      });
      if (switched === 'gone') return { kind: 'skipped', version: number };
      if (switched === 'switched') return { kind: 'switched', version: number, documents };
    }
  }

  /** Deletes a version that is not active, with its chunks (a retired one, or a building one to cancel it). */
  async dropVersion(identity: CallerIdentity, name: string, version: number): Promise<void> {
    const collection = { tenant: identity.tenant, name };
    await this.repository.transaction(async (tx) => {
      const current = await lockCollection(tx, collection, 'FOR UPDATE');
      if (current.active_version === version) {
        throw new GatewayError(
          409,
          'invalid_request_error',
          `Version ${version} is the active version of '${name}'; re-index to another version first, then delete this one.`,
          { param: 'version', code: 'version_active' },
        );
      }
      if (!(await tx.deleteVersion(collection, version))) {
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

  /** One round of a re-index: embeds the documents and writes those unchanged since they were read. */
  private async catchUp(
    identity: CallerIdentity,
    collection: CollectionRef,
    version: IndexVersion,
    missing: readonly StoredDocument[],
  ): Promise<number> {
    const embedded = await this.embedDocuments(identity, version, missing);
    let written = 0;
    for (const [i, document] of missing.entries()) {
      await this.repository.transaction(async (tx) => {
        await lockCollection(tx, collection, 'FOR SHARE');
        if (!(await tx.buildingVersion(collection, version.version))) return;
        // Changed since it was read: the next round embeds the new text.
        if (!(await tx.lockDocumentIfCurrent(collection, document))) return;
        await writeChunks(tx, { collection, version, document }, embedded[i]);
        written++;
      });
    }
    return written;
  }

  private async activeVersion(collection: CollectionRef): Promise<IndexVersion> {
    const version = await this.repository.activeVersion(collection);
    if (!version) throw notFound(collection.name);
    return version;
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
}

async function lockCollection(
  tx: CollectionStatements,
  collection: CollectionRef,
  mode: 'FOR SHARE' | 'FOR UPDATE',
): Promise<LockedCollection> {
  const locked = await tx.lock(collection, mode);
  if (!locked) throw notFound(collection.name);
  return locked;
}

/** Where a document's chunks go: one version of one collection. */
interface ChunkTarget {
  readonly collection: CollectionRef;
  readonly version: IndexVersion;
  readonly document: { id: string; contentHash: string; metadata: Record<string, unknown> };
}

/**
 * Replaces the document's chunks in one version (inside the caller's transaction). The version's
 * first vector fixes its dimensions; a model that answers with others later is an upstream error.
 */
async function writeChunks(
  tx: CollectionStatements,
  target: ChunkTarget,
  chunks: readonly EmbeddedChunk[],
): Promise<number> {
  const { collection, version, document } = target;
  const size = chunks[0]?.vector.length;
  if (size !== undefined) {
    const dimensions = await tx.settleDimensions(collection, version.version, size);
    if (chunks.some((chunk) => chunk.vector.length !== dimensions)) {
      throw dimensionsChanged({ ...version, dimensions }, size);
    }
  }
  await tx.replaceChunks(collection, version.version, document, chunks);
  return chunks.length;
}

/** A fifth of the chunk, at most the default: context carried across a cut without much repetition. */
function defaultOverlap(chunkSize: number): number {
  return Math.min(DEFAULT_CHUNKING.chunkOverlap, Math.floor(chunkSize / 5));
}

function settingsOf(version: IndexVersion): ChunkingSettings {
  return { chunkSize: version.chunkSize, chunkOverlap: version.chunkOverlap };
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
