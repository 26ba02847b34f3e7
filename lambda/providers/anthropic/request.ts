import type { Deployment } from '../../contract/config/gateway-config';
import type { ChatCompletionRequest, ChatMessage, ContentPart } from '../../core/openai/types';

/** Anthropic requires max_tokens; this is what a request without one may generate. */
export const DEFAULT_MAX_TOKENS = 4096;
export const ANTHROPIC_VERSION = '2023-06-01';

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

function textOf(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .filter((part): part is { type: 'text'; text: string } => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
}

function imageBlock(url: string): Block {
  const data = /^data:(image\/[a-z+.-]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function contentBlocks(content: ChatMessage['content']): Block[] {
  if (content == null) return [];
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  return content.map((part: ContentPart) => {
    if (part.type === 'text') return { type: 'text', text: (part as { text: string }).text };
    if (part.type === 'image_url') return imageBlock((part as { image_url: { url: string } }).image_url.url);
    throw new Error(`content part type "${part.type}" cannot be sent to Anthropic`);
  });
}

function parseArguments(args: string): unknown {
  try {
    return JSON.parse(args || '{}');
  } catch {
    return { arguments: args };
  }
}

/** Anthropic wants strictly alternating turns: consecutive same-role messages are merged. */
function pushTurn(messages: AnthropicMessage[], role: AnthropicMessage['role'], blocks: Block[]): void {
  const last = messages[messages.length - 1];
  if (last && last.role === role) last.content.push(...blocks);
  else messages.push({ role, content: blocks });
}

export function toAnthropicRequest(
  request: ChatCompletionRequest,
  deployment: Deployment,
  stream: boolean,
): Record<string, unknown> {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        pushTurn(messages, 'user', contentBlocks(message.content));
        break;
      case 'assistant':
        pushTurn(messages, 'assistant', [
          ...contentBlocks(message.content),
          ...(message.tool_calls ?? []).map((call) => ({
            type: 'tool_use',
            id: call.id,
            name: call.function.name,
            input: parseArguments(call.function.arguments),
          })),
        ]);
        break;
      case 'tool':
        pushTurn(messages, 'user', [
          { type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) },
        ]);
        break;
    }
  }

  const body: Record<string, unknown> = {
    model: deployment.model,
    messages,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) body.system = system.join('\n\n');
  // Anthropic's temperature range is 0..1 where OpenAI's is 0..2.
  if (request.temperature != null) body.temperature = Math.min(request.temperature, 1);
  if (request.top_p != null) body.top_p = request.top_p;
  if (request.stop != null) body.stop_sequences = Array.isArray(request.stop) ? request.stop : [request.stop];
  if (request.user) body.metadata = { user_id: request.user };
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  if (request.tool_choice !== undefined) {
    const choice = request.tool_choice;
    body.tool_choice =
      choice === 'auto'
        ? { type: 'auto' }
        : choice === 'required'
          ? { type: 'any' }
          : choice === 'none'
            ? { type: 'none' }
            : { type: 'tool', name: choice.function.name };
    if (request.parallel_tool_calls === false && choice !== 'none') {
      (body.tool_choice as Record<string, unknown>).disable_parallel_tool_use = true;
    }
  }
  if (stream) body.stream = true;
  return body;
}
