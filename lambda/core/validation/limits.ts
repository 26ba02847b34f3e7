import * as z from 'zod/mini';

/**
 * Lengths every client string is held to, so that no field can carry more than its purpose needs
 * into a log line, a SQL statement, a cache key or an error message. The body size limit bounds
 * them all too; these bound each field on its own.
 */
export const MAX_LENGTH = {
  /** Names and identifiers: models, users, tool call ids, metadata keys (API Gateway caps `model` at 256). */
  name: 256,
  /** URLs a platform will call or fetch (webhooks, media by URL). */
  url: 2_048,
  /** A search query or a stop sequence's worth of text. */
  query: 32_768,
  /** Prose: message content, documents, tool arguments (4 MiB, the largest body the gateway takes). */
  text: 4 * 1024 * 1024,
} as const;

/** A non-empty name or identifier. */
export const nameString = () => z.string().check(z.minLength(1), z.maxLength(MAX_LENGTH.name));
/** Text of any length up to `MAX_LENGTH.text`. */
export const textString = () => z.string().check(z.maxLength(MAX_LENGTH.text));
/** An object's keys, bounded like names. */
export const keyString = () => z.string().check(z.maxLength(MAX_LENGTH.name));
