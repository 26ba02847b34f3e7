import { z } from 'zod';
import { GatewayError } from '../http/errors';
import type { ChatCompletionRequest, EmbeddingRequest } from './types';

/**
 * Validation of what clients send. Unknown top-level fields are tolerated (SDKs add new ones) but
 * never forwarded: each provider's parameter map decides what goes upstream.
 */
const contentPart = z.looseObject({ type: z.string() });
const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().max(256).optional(),
  tool_calls: z
    .array(
      z.looseObject({
        id: z.string(),
        type: z.literal('function'),
        function: z.object({ name: z.string(), arguments: z.string() }),
      }),
    )
    .optional(),
  tool_call_id: z.string().optional(),
});

const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or hyphens'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const positiveInt = z.int().min(1);

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1, 'must contain at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.int().min(1).max(8).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  tools: z.array(tool).max(128).optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: z
    .looseObject({
      type: z.enum(['text', 'json_object', 'json_schema']),
      json_schema: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  user: z.string().max(256).optional(),
});

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.int()).min(1),
    z.array(z.array(z.int()).min(1)).min(1).max(2048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: positiveInt.optional(),
  user: z.string().max(256).optional(),
});

function firstIssue(error: z.ZodError): GatewayError {
  const issue = error.issues[0];
  const param = issue.path.map(String).join('.') || undefined;
  const where = param ? `'${param}'` : 'the request body';
  const detail = issue.message.replace(/^Invalid input: /, '');
  return GatewayError.badRequest(`Invalid value for ${where}: ${detail}.`, param, 'invalid_value');
}

/** Parses a JSON body, with OpenAI-style 400s naming the field that is wrong. */
export function parseJsonBody(body: Uint8Array): unknown {
  if (body.length === 0)
    throw GatewayError.badRequest('The request body is empty; send a JSON object.', undefined, 'invalid_json');
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw GatewayError.badRequest('The request body is not valid JSON.', undefined, 'invalid_json');
  }
}

export function parseChatCompletionRequest(json: unknown): ChatCompletionRequest {
  const result = chatCompletionRequestSchema.safeParse(json);
  if (!result.success) throw firstIssue(result.error);
  return result.data as ChatCompletionRequest;
}

export function parseEmbeddingRequest(json: unknown): EmbeddingRequest {
  const result = embeddingRequestSchema.safeParse(json);
  if (!result.success) throw firstIssue(result.error);
  return result.data as EmbeddingRequest;
}
