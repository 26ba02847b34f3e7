import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * JSON Schemas (draft 4, what API Gateway validates with) for the request bodies. Strict on the
 * basics a request cannot work without, lenient on everything else: OpenAI SDKs send fields this
 * schema does not know (tools, response_format, ...), and may send `null` for an optional one.
 * The gateway validates every field itself; this refuses the malformed before a function runs.
 */
const { OBJECT, ARRAY, STRING, NUMBER, INTEGER, BOOLEAN, NULL } = apigateway.JsonSchemaType;

const optional = (type: apigateway.JsonSchemaType, extra: apigateway.JsonSchema = {}): apigateway.JsonSchema => ({
  type: [type, NULL],
  ...extra,
});

const modelName: apigateway.JsonSchema = { type: STRING, minLength: 1, maxLength: 256 };

export const CHAT_COMPLETIONS_SCHEMA: apigateway.JsonSchema = {
  schema: apigateway.JsonSchemaVersion.DRAFT4,
  title: 'ChatCompletionRequest',
  type: OBJECT,
  required: ['model', 'messages'],
  properties: {
    model: modelName,
    messages: {
      type: ARRAY,
      minItems: 1,
      items: { type: OBJECT, required: ['role'], properties: { role: { type: STRING, minLength: 1 } } },
    },
    stream: optional(BOOLEAN),
    n: optional(INTEGER, { minimum: 1, maximum: 128 }),
    max_tokens: optional(INTEGER, { minimum: 1 }),
    max_completion_tokens: optional(INTEGER, { minimum: 1 }),
    temperature: optional(NUMBER, { minimum: 0, maximum: 2 }),
    top_p: optional(NUMBER, { minimum: 0, maximum: 1 }),
  },
};

export const EMBEDDINGS_SCHEMA: apigateway.JsonSchema = {
  schema: apigateway.JsonSchemaVersion.DRAFT4,
  title: 'EmbeddingRequest',
  type: OBJECT,
  required: ['model', 'input'],
  properties: {
    model: modelName,
    input: { type: [STRING, ARRAY], minLength: 1, minItems: 1 },
    encoding_format: optional(STRING, { enum: ['float', 'base64', null] }),
    dimensions: optional(INTEGER, { minimum: 1 }),
  },
};
