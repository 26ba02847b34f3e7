import * as z from 'zod/mini';
import { GatewayError } from '../http/errors';
import { withinJsonDepth } from './json-depth';
import { DEFAULT_MAX_JSON_DEPTH } from '../../contract/config/gateway-config';
import type { ChatCompletionRequest, EmbeddingRequest } from './types';
import { MAX_LENGTH, keyString, nameString, textString } from '../validation/limits';
import '../../contract/zod-messages';

/**
 * Validation of what clients send. Unknown top-level fields are tolerated (SDKs add new ones) but
 * never forwarded: each provider's parameter map decides what goes upstream.
 */
/**
 * Content parts: the types the API defines are checked for the fields each needs (a transform must
 * never meet an `image_url` part without its URL); other types pass, for providers that know them.
 */
const isString = (value: unknown) => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const PART_FIELDS: Record<string, (part: Record<string, unknown>) => { path: string[]; message: string } | undefined> =
  {
    text: (part) => (isString(part.text) ? undefined : { path: ['text'], message: 'must be a string' }),
    refusal: (part) => (isString(part.refusal) ? undefined : { path: ['refusal'], message: 'must be a string' }),
    image_url: (part) => {
      if (!isObject(part.image_url)) return { path: ['image_url'], message: 'must be an object with a "url"' };
      if (!isString(part.image_url.url)) return { path: ['image_url', 'url'], message: 'must be a string' };
      const detail = part.image_url.detail;
      if (detail !== undefined && detail !== 'auto' && detail !== 'low' && detail !== 'high')
        return { path: ['image_url', 'detail'], message: 'must be one of "auto", "low", "high"' };
      return undefined;
    },
    input_audio: (part) => {
      if (!isObject(part.input_audio)) return { path: ['input_audio'], message: 'must be an object' };
      if (!isString(part.input_audio.data)) return { path: ['input_audio', 'data'], message: 'must be a string' };
      if (!isString(part.input_audio.format)) return { path: ['input_audio', 'format'], message: 'must be a string' };
      return undefined;
    },
    file: (part) => {
      if (!isObject(part.file)) return { path: ['file'], message: 'must be an object' };
      for (const key of ['file_id', 'file_data', 'filename'] as const) {
        if (part.file[key] !== undefined && !isString(part.file[key]))
          return { path: ['file', key], message: 'must be a string' };
      }
      if (part.file.file_id === undefined && part.file.file_data === undefined)
        return { path: ['file'], message: 'needs a "file_id" or "file_data"' };
      return undefined;
    },
  };
const contentPart = z.looseObject({ type: nameString() }).check(
  z.superRefine((part, ctx) => {
    const problem = Object.hasOwn(PART_FIELDS, part.type) ? PART_FIELDS[part.type](part) : undefined;
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        path: problem.path,
        message: `${problem.message} (content part of type "${part.type}")`,
      });
    }
  }),
);
const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.optional(z.union([textString(), z.array(contentPart), z.null()])),
  name: z.optional(nameString()),
  tool_calls: z.optional(
    z.array(
      z.looseObject({
        id: nameString(),
        type: z.literal('function'),
        function: z.object({ name: nameString(), arguments: textString() }),
      }),
    ),
  ),
  tool_call_id: z.optional(nameString()),
});

const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z
      .string()
      .check(z.maxLength(64), z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or hyphens')),
    description: z.optional(textString()),
    parameters: z.optional(z.record(keyString(), z.unknown())),
  }),
});

const positiveInt = () => z.int().check(z.gte(1));
const stopString = () => z.string().check(z.maxLength(MAX_LENGTH.name));
const range = (min: number, max: number) => z.nullish(z.number().check(z.gte(min), z.lte(max)));

export const chatCompletionRequestSchema = z.looseObject({
  model: nameString(),
  messages: z.array(message).check(z.minLength(1, 'must contain at least one message')),
  stream: z.nullish(z.boolean()),
  stream_options: z.nullish(z.looseObject({ include_usage: z.optional(z.boolean()) })),
  max_tokens: z.nullish(positiveInt()),
  max_completion_tokens: z.nullish(positiveInt()),
  temperature: range(0, 2),
  top_p: range(0, 1),
  n: z.nullish(z.int().check(z.gte(1), z.lte(8))),
  stop: z.nullish(z.union([stopString(), z.array(stopString()).check(z.maxLength(4))])),
  seed: z.nullish(z.int()),
  presence_penalty: range(-2, 2),
  frequency_penalty: range(-2, 2),
  tools: z.optional(z.array(tool).check(z.maxLength(128))),
  tool_choice: z.optional(
    z.union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.literal('function'), function: z.object({ name: nameString() }) }),
    ]),
  ),
  parallel_tool_calls: z.optional(z.boolean()),
  response_format: z.optional(
    z.looseObject({
      type: z.enum(['text', 'json_object', 'json_schema']),
      json_schema: z.optional(z.record(keyString(), z.unknown())),
    }),
  ),
  user: z.optional(z.string().check(z.maxLength(MAX_LENGTH.name))),
});

export const embeddingRequestSchema = z.looseObject({
  model: nameString(),
  input: z.union([
    textString(),
    z.array(textString()).check(z.minLength(1), z.maxLength(2048)),
    z.array(z.int()).check(z.minLength(1)),
    z.array(z.array(z.int()).check(z.minLength(1))).check(z.minLength(1), z.maxLength(2048)),
  ]),
  encoding_format: z.optional(z.enum(['float', 'base64'])),
  dimensions: z.optional(positiveInt()),
  user: z.optional(z.string().check(z.maxLength(MAX_LENGTH.name))),
});

function firstIssue(error: z.core.$ZodError): GatewayError {
  const issue = error.issues[0];
  const param = issue.path.map(String).join('.') || undefined;
  const where = param ? `'${param}'` : 'the request body';
  const detail = issue.message.replace(/^Invalid input: /, '');
  return GatewayError.badRequest(`Invalid value for ${where}: ${detail}.`, param, 'invalid_value');
}

/** Parses a JSON body, with OpenAI-style 400s naming the field that is wrong. */
export function parseJsonBody(body: Uint8Array, maxDepth = DEFAULT_MAX_JSON_DEPTH): unknown {
  if (body.length === 0) {
    throw GatewayError.badRequest('The request body is empty; send a JSON object.', undefined, 'invalid_json');
  }
  if (!withinJsonDepth(body, maxDepth)) {
    throw GatewayError.badRequest(
      `The request body nests arrays and objects more than ${maxDepth} levels deep; flatten it.`,
      undefined,
      'json_too_deep',
    );
  }
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
