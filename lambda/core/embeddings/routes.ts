import * as z from 'zod/mini';
import { GatewayError } from '../http/errors';
import { MAX_LENGTH, keyString, nameString } from '../validation/limits';
import { decodeSegment, routePath } from '../http/path';
import type { CallerIdentity, GatewayRequest, GatewayResponse } from '../http/types';
import { parseJsonBody } from '../openai/request-schema';
import { jsonResponse } from '../pipeline/responses';
import type { CollectionService } from './collection-service';
import type { Collection, IndexVersion, IngestResult, SearchResult } from './collections';
import { documentSchema } from './s3-drop';

const positiveInt = () => z.int().check(z.positive());

/** The collections API's request bodies (names are checked again by `validateCollectionName`). */
export const collectionSchemas = {
  creation: z.strictObject({
    name: z.string().check(z.maxLength(128)),
    model: nameString(),
    chunk_size: z.optional(positiveInt()),
    chunk_overlap: z.optional(z.int().check(z.nonnegative())),
  }),
  ingestion: z.strictObject({ documents: z.array(documentSchema) }),
  search: z.strictObject({
    query: z.string().check(z.maxLength(MAX_LENGTH.query)),
    top_k: z.optional(positiveInt()),
    filter: z.optional(z.record(keyString(), z.unknown())),
  }),
  reindexing: z.strictObject({
    model: z.optional(nameString()),
    chunk_size: z.optional(positiveInt()),
    chunk_overlap: z.optional(z.int().check(z.nonnegative())),
  }),
};
const { creation, ingestion, search, reindexing } = collectionSchemas;

export interface EmbeddingsApiOptions {
  readonly service: CollectionService;
  /** Authenticates a request to a tenant the way the gateway does (`Gateway.identify`). */
  readonly identify: (request: GatewayRequest) => CallerIdentity;
  /** The gateway's request size limit. */
  readonly maxBodyBytes: number;
}

/**
 * The collections API: create and show collections, ingest documents, search, re-index, drop an
 * index version. Same authentication and tenant mapping as the gateway; another tenant's
 * collection is a 404 like an unknown one. Answers undefined for every other path.
 */
export class EmbeddingsApi {
  constructor(private readonly options: EmbeddingsApiOptions) {}

  async handle(request: GatewayRequest): Promise<GatewayResponse | undefined> {
    const path = routePath(request.path);
    if (path === '/v1/collections') {
      expectMethod(request, 'POST');
      return this.create(request);
    }
    const match = /^\/v1\/collections\/([^/]+)(?:\/(documents|search|reindex)|\/versions\/([^/]+))?$/.exec(path);
    if (!match) return undefined;
    const [, segment, action, version] = match;
    const { service } = this.options;
    // Who is calling comes first: nothing about the path is said to a caller without a key.
    const identity = this.options.identify(request);
    const name = decodeSegment(segment);
    if (name === undefined) {
      throw GatewayError.badRequest('The collection name in the path is not valid percent-encoding.', 'name');
    }
    if (version !== undefined) {
      expectMethod(request, 'DELETE');
      if (!/^[1-9]\d{0,8}$/.test(version)) {
        throw GatewayError.badRequest(`'${version.slice(0, 32)}' is not a version number.`, 'version');
      }
      await service.dropVersion(identity, name, Number(version));
      return jsonResponse(200, { collection: name, version: Number(version), deleted: true }, {});
    }
    if (action === undefined) {
      expectMethod(request, 'GET');
      return jsonResponse(200, collectionView(await service.getCollection(identity, name)), {});
    }
    expectMethod(request, 'POST');
    if (action === 'documents') {
      const body = this.parse(request, ingestion, '{"documents": [{"id"?: "...", "text": "...", "metadata"?: {...}}]}');
      return jsonResponse(200, ingestView(await service.ingest(identity, name, body.documents)), {});
    }
    if (action === 'search') {
      const body = this.parse(request, search, '{"query": "...", "top_k"?: 5, "filter"?: {...metadata to match}}');
      const result = await service.search(identity, name, { query: body.query, topK: body.top_k, filter: body.filter });
      return jsonResponse(200, searchView(name, result), {});
    }
    const body = this.parse(request, reindexing, '{"model"?: "...", "chunk_size"?: 1000, "chunk_overlap"?: 200}');
    const built = await service.reindex(identity, name, {
      model: body.model,
      chunkSize: body.chunk_size,
      chunkOverlap: body.chunk_overlap,
    });
    return jsonResponse(202, { collection: name, ...versionView(built) }, {});
  }

  private async create(request: GatewayRequest): Promise<GatewayResponse> {
    const identity = this.options.identify(request);
    const body = this.parse(
      request,
      creation,
      '{"name": "...", "model": "an embedding model", "chunk_size"?: 1000, "chunk_overlap"?: 200}',
    );
    const collection = await this.options.service.createCollection(identity, {
      name: body.name,
      model: body.model,
      chunkSize: body.chunk_size,
      chunkOverlap: body.chunk_overlap,
    });
    return jsonResponse(201, collectionView(collection), {
      location: `/v1/collections/${encodeURIComponent(collection.name)}`,
    });
  }

  private parse<T>(request: GatewayRequest, schema: z.ZodMiniType<T>, shape: string): T {
    if (request.body.length > this.options.maxBodyBytes) throw GatewayError.tooLarge(this.options.maxBodyBytes);
    const parsed = schema.safeParse(parseJsonBody(request.body));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue.path.join('.') || undefined;
      throw GatewayError.badRequest(
        `Invalid body: ${param ? `'${param}': ` : ''}${issue.message}. Send ${shape}.`,
        param,
      );
    }
    return parsed.data;
  }
}

function expectMethod(request: GatewayRequest, method: string): void {
  if (request.method !== method) {
    throw new GatewayError(405, 'invalid_request_error', `Use ${method} for ${request.path}, not ${request.method}.`, {
      code: 'method_not_allowed',
    });
  }
}

function versionView(version: IndexVersion) {
  return {
    version: version.version,
    state: version.state,
    model: version.model,
    dimensions: version.dimensions,
    chunk_size: version.chunkSize,
    chunk_overlap: version.chunkOverlap,
    chunks: version.chunks,
    created_at: version.createdAt.toISOString(),
    activated_at: version.activatedAt?.toISOString() ?? null,
  };
}

function collectionView(collection: Collection) {
  return {
    object: 'collection',
    name: collection.name,
    model: collection.model,
    chunk_size: collection.chunkSize,
    chunk_overlap: collection.chunkOverlap,
    active_version: collection.activeVersion,
    documents: collection.documents,
    created_at: collection.createdAt.toISOString(),
    versions: collection.versions.map(versionView),
  };
}

function ingestView(result: IngestResult) {
  return { documents: result.documents, chunks_written: result.chunksWritten, unchanged: result.unchanged };
}

function searchView(name: string, result: SearchResult) {
  return {
    object: 'list',
    collection: name,
    version: result.version,
    data: result.results.map((hit) => ({
      document_id: hit.documentId,
      chunk_index: hit.chunkIndex,
      content: hit.content,
      metadata: hit.metadata,
      start: hit.start,
      end: hit.end,
      score: hit.score,
    })),
  };
}
