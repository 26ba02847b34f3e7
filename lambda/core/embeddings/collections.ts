/** The embedding collections' data as the service and its API show it. */

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
