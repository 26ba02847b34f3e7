import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { GatewayError } from '../http/errors';

/** How a collection cuts documents into the pieces that are embedded, in characters. */
export interface ChunkingSettings {
  readonly chunkSize: number;
  readonly chunkOverlap: number;
}

/** Bounds that keep a chunk within what embedding models take (8k tokens is about 32k characters). */
export const CHUNK_SIZE_MIN = 16;
export const CHUNK_SIZE_MAX = 16_000;
export const DEFAULT_CHUNKING: ChunkingSettings = { chunkSize: 1000, chunkOverlap: 200 };

export interface Chunk {
  readonly index: number;
  readonly content: string;
  /** Character positions in the source: `source.slice(start, end) === content`. */
  readonly start: number;
  readonly end: number;
}

/** Throws a 400 naming the field for settings a collection cannot use. */
export function validateChunking(settings: ChunkingSettings): ChunkingSettings {
  const { chunkSize, chunkOverlap } = settings;
  if (!Number.isInteger(chunkSize) || chunkSize < CHUNK_SIZE_MIN || chunkSize > CHUNK_SIZE_MAX) {
    throw GatewayError.badRequest(
      `chunk_size must be a whole number of characters from ${CHUNK_SIZE_MIN} to ${CHUNK_SIZE_MAX}; got ${chunkSize}.`,
      'chunk_size',
    );
  }
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize) {
    throw GatewayError.badRequest(
      `chunk_overlap must be a whole number of characters from 0 to chunk_size - 1 (${chunkSize - 1}); got ${chunkOverlap}.`,
      'chunk_overlap',
    );
  }
  return settings;
}

/**
 * Splits on paragraphs, then lines, then words, then characters (LangChain's recursive splitter),
 * so chunks end at natural boundaries where the size allows. The splitter returns text only; each
 * chunk is found again in the source, after the previous chunk's start, to keep its offsets.
 */
export async function chunkText(text: string, settings: ChunkingSettings): Promise<Chunk[]> {
  validateChunking(settings);
  const splitter = new RecursiveCharacterTextSplitter({
    chunkSize: settings.chunkSize,
    chunkOverlap: settings.chunkOverlap,
  });
  const pieces = await splitter.splitText(text);
  const chunks: Chunk[] = [];
  let from = 0;
  for (const content of pieces) {
    const start = text.indexOf(content, from);
    // The splitter only trims and cuts, so every piece is in the source; anything else is a bug here.
    if (start < 0) throw new Error(`chunkText: a chunk was not found in its source after offset ${from}`);
    chunks.push({ index: chunks.length, content, start, end: start + content.length });
    from = start + 1;
  }
  return chunks;
}
