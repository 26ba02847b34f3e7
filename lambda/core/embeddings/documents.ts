import { createHash } from 'node:crypto';
import { GatewayError } from '../http/errors';

/** A document as a caller hands it in. */
export interface DocumentInput {
  /** Defaults to the content hash, so the same text ingested twice is one document. */
  readonly id?: string;
  readonly text: string;
  readonly metadata?: Record<string, unknown>;
}

/** A document ready to store: id resolved, content hashed. */
export interface PreparedDocument {
  readonly id: string;
  readonly text: string;
  readonly metadata: Record<string, unknown>;
  readonly contentHash: string;
}

export interface DocumentLimits {
  readonly maxDocuments: number;
  readonly maxTextChars: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = { maxDocuments: 256, maxTextChars: 1_000_000 };

const MAX_ID_LENGTH = 512;

/**
 * Checks sizes and ids, hashes each document's text and metadata (keys sorted, so `{a, b}` and
 * `{b, a}` are the same document) and drops exact repeats within the batch. Two different
 * documents under one id in one batch is ambiguous and refused.
 */
export function prepareDocuments(documents: readonly DocumentInput[], limits: DocumentLimits): PreparedDocument[] {
  if (documents.length === 0) throw GatewayError.badRequest('Send at least one document.', 'documents');
  if (documents.length > limits.maxDocuments) {
    throw GatewayError.badRequest(
      `At most ${limits.maxDocuments} documents per request; got ${documents.length}. Send them in several requests.`,
      'documents',
    );
  }
  const byId = new Map<string, PreparedDocument>();
  documents.forEach((document, index) => {
    const param = `documents.${index}`;
    if (typeof document.text !== 'string' || document.text.trim() === '') {
      throw GatewayError.badRequest(`Document ${index} has no text: send a non-empty "text".`, `${param}.text`);
    }
    if (document.text.length > limits.maxTextChars) {
      throw GatewayError.badRequest(
        `Document ${index} has ${document.text.length} characters; the limit is ${limits.maxTextChars}. Split it into several documents.`,
        `${param}.text`,
      );
    }
    if (document.id !== undefined && (document.id.length === 0 || document.id.length > MAX_ID_LENGTH)) {
      throw GatewayError.badRequest(`Document ${index}: "id" must be 1 to ${MAX_ID_LENGTH} characters.`, `${param}.id`);
    }
    const metadata = document.metadata ?? {};
    const contentHash = createHash('sha256')
      .update(stableJson({ text: document.text, metadata }))
      .digest('hex');
    const prepared = { id: document.id ?? contentHash, text: document.text, metadata, contentHash };
    const earlier = byId.get(prepared.id);
    if (earlier && earlier.contentHash !== contentHash) {
      throw GatewayError.badRequest(
        `Two different documents have the id '${prepared.id}' in one request; give each its own id.`,
        `${param}.id`,
      );
    }
    byId.set(prepared.id, prepared);
  });
  return [...byId.values()];
}

/** JSON with object keys sorted at every level: equal values, equal strings. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
