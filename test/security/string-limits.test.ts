import type * as z from 'zod/mini';
import { collectionSchemas } from '../../lambda/core/embeddings/routes';
import { documentSchema } from '../../lambda/core/embeddings/s3-drop';
import { jobSubmissionSchema } from '../../lambda/core/jobs/jobs-api';
import { chatCompletionRequestSchema, embeddingRequestSchema } from '../../lambda/core/openai/request-schema';

/**
 * Every string a client sends that the platform keeps, logs or puts in a statement has a length
 * limit in its schema: found by walking the schemas, so a new field without one fails here. (An
 * 80 kB `model` once went unchecked into every log line and error message of a call.)
 */
type Schema = z.ZodMiniType & { _zod: { def: Record<string, unknown> & { type: string } } };

function unboundedStrings(schema: Schema, path: string, found: string[]): string[] {
  const def = schema._zod.def;
  const inner = (child: unknown, at: string) => unboundedStrings(child as Schema, at, found);
  switch (def.type) {
    case 'string': {
      const checks = (def.checks as Array<{ _zod: { def: { check: string } } }> | undefined) ?? [];
      if (!checks.some((check) => check._zod.def.check === 'max_length')) found.push(path);
      break;
    }
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) inner(value, `${path}.${key}`);
      if (def.catchall) inner(def.catchall, `${path}.*`);
      break;
    case 'array':
      inner(def.element, `${path}[]`);
      break;
    case 'record':
      inner(def.keyType, `${path}{key}`);
      inner(def.valueType, `${path}{value}`);
      break;
    case 'union':
      (def.options as unknown[]).forEach((option, i) => inner(option, `${path}|${i}`));
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      inner(def.innerType, path);
      break;
    case 'pipe':
      inner(def.in, path);
      break;
    default: // numbers, booleans, literals, enums, unknown: nothing unbounded of a string
  }
  return found;
}

const CLIENT_SCHEMAS: Record<string, unknown> = {
  'POST /v1/chat/completions': chatCompletionRequestSchema,
  'POST /v1/embeddings': embeddingRequestSchema,
  'POST /v1/jobs': jobSubmissionSchema,
  'POST /v1/collections': collectionSchemas.creation,
  'POST /v1/collections/{name}/documents': collectionSchemas.ingestion,
  'POST /v1/collections/{name}/search': collectionSchemas.search,
  'POST /v1/collections/{name}/reindex': collectionSchemas.reindexing,
  'S3 drop (.json document)': documentSchema,
};

test.each(Object.entries(CLIENT_SCHEMAS))('%s: every string field has a length limit', (_, schema) => {
  expect(unboundedStrings(schema as Schema, '$', [])).toEqual([]);
});

test('the walk finds a string without a limit (it can fail)', async () => {
  const z = await import('zod/mini');
  const loose = z.strictObject({ ok: z.string().check(z.maxLength(3)), bad: z.optional(z.array(z.string())) });
  expect(unboundedStrings(loose as unknown as Schema, '$', [])).toEqual(['$.bad[]']);
});
