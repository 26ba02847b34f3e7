import * as z from 'zod/mini';

/**
 * What the `VectorStore` construct passes the schema step as custom resource properties. The
 * construct builds them with this type and the handler parses them with this schema, so the two
 * cannot drift. CloudFormation delivers every value as a string.
 */
export const schemaStepPropertiesSchema = z.object({
  /** Writer endpoint of the cluster. */
  Host: z.string().check(z.minLength(1)),
  Port: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65535)),
  DatabaseName: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/)),
  /** Secret of the master user, who owns the database and runs the migrations. */
  MasterSecretArn: z.string().check(z.startsWith('arn:')),
  /** Secret of the application login the gateway uses (alternating-users rotation). */
  ApplicationSecretArn: z.string().check(z.startsWith('arn:')),
  /** Role the application's privileges are granted to. */
  ApplicationRole: z.string().check(z.minLength(1)),
  Dimensions: z.coerce.number().check(z.int()),
  /** The chunk vector sizes to index, comma-separated (`VectorSchemaOptions.embeddingDimensions`). */
  EmbeddingDimensions: z.string().check(z.regex(/^\d+(,\d+)*$/)),
  /** Changes whenever the migrations do, so that CloudFormation runs the step again. */
  SchemaFingerprint: z.string().check(z.minLength(1)),
});

export type SchemaStepProperties = Record<keyof z.output<typeof schemaStepPropertiesSchema>, string>;
