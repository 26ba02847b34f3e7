import * as z from 'zod/mini';
import { keyString, textString } from '../validation/limits';
import { GatewayError } from '../http/errors';
import type { DocumentInput } from './documents';
import { isCollectionName } from './names';

/** An object from the ingestion bucket: its key (already URL-decoded from the S3 event) and body. */
export interface S3Object {
  readonly key: string;
  readonly body: Uint8Array | string;
}

export interface S3Drop {
  readonly tenant: string;
  readonly collection: string;
  readonly document: DocumentInput;
}

/** Tenants as API keys and authorizers name them: no slash, nothing that could climb a path. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const PLAIN_TEXT = /\.(txt|md|markdown)$/i;

export const documentSchema = z.strictObject({
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  text: textString(),
  metadata: z.optional(z.record(keyString(), z.unknown())),
});

/**
 * Reads `<tenant>/<collection>/<anything>`: a `.json` object is a document `{ id?, text, metadata? }`
 * (its id defaults to the key, so uploading the object again replaces it), a `.txt` or `.md`
 * object is the text itself with the key as its id and `{ s3_key }` as metadata.
 */
export function parseS3Drop(object: S3Object): S3Drop {
  const { key } = object;
  const [tenant, collection, ...rest] = key.split('/');
  const name = rest.join('/');
  if (rest.length === 0 || name === '' || !TENANT.test(tenant ?? '') || !isCollectionName(collection ?? '')) {
    throw GatewayError.badRequest(
      `S3 key '${key}' is not <tenant>/<collection>/<name>: the tenant and collection must be letters, digits, '.', '_' or '-', and the name non-empty.`,
      'key',
      'invalid_s3_key',
    );
  }
  const text = typeof object.body === 'string' ? object.body : Buffer.from(object.body).toString('utf8');
  if (PLAIN_TEXT.test(name)) return { tenant, collection, document: { id: key, text, metadata: { s3_key: key } } };
  if (!/\.json$/i.test(name)) {
    throw GatewayError.badRequest(
      `S3 object '${key}' is neither JSON (.json) nor plain text (.txt, .md); rename it or convert it.`,
      'key',
      'unsupported_s3_object',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw GatewayError.badRequest(`S3 object '${key}' is not valid JSON.`, 'body', 'invalid_s3_object');
  }
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw GatewayError.badRequest(
      `S3 object '${key}': '${issue.path.join('.') || '(root)'}': ${issue.message}. Send {"id"?: "...", "text": "...", "metadata"?: {...}}.`,
      'body',
      'invalid_s3_object',
    );
  }
  const { id, metadata } = parsed.data;
  return { tenant, collection, document: { id: id ?? key, text: parsed.data.text, metadata } };
}
