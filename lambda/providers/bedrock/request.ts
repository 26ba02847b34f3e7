import type {
  ContentBlock,
  ConverseStreamCommandInput,
  Message,
  SystemContentBlock,
  Tool,
  ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { Deployment } from '../../contract/config/gateway-config';
import type { ChatCompletionRequest, ChatMessage } from '../../core/openai/types';

/** OpenAI chat request -> Bedrock Converse input (the same shape for Converse and ConverseStream). */
function textOf(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? (part as { text: string }).text : '')).join('\n');
}

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);

function blocks(content: ChatMessage['content']): ContentBlock[] {
  if (content == null) return [];
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  return content.map((part): ContentBlock => {
    if (part.type === 'text') return { text: (part as { text: string }).text };
    if (part.type === 'image_url') {
      const url = (part as { image_url: { url: string } }).image_url.url;
      const data = /^data:image\/([a-z]+);base64,(.*)$/s.exec(url);
      // Converse takes image bytes, not URLs: the gateway never fetches a URL on a client's behalf.
      if (!data || !IMAGE_FORMATS.has(data[1]))
        throw new Error('Bedrock accepts images only as base64 data URLs (png, jpeg, gif, webp)');
      return { image: { format: data[1] as 'png', source: { bytes: Buffer.from(data[2], 'base64') } } };
    }
    throw new Error(`content part type "${part.type}" cannot be sent to Bedrock`);
  });
}

type DocumentType = NonNullable<ToolUseBlock['input']>;

/** A tool call's arguments as Converse's JSON document; a model's malformed arguments are kept as text. */
function toolInput(args: string): DocumentType {
  try {
    const parsed = JSON.parse(args || '{}') as DocumentType;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : { arguments: parsed };
  } catch {
    return { arguments: args };
  }
}

function push(messages: Message[], role: 'user' | 'assistant', content: ContentBlock[]): void {
  const last = messages[messages.length - 1];
  if (last && last.role === role) last.content!.push(...content);
  else messages.push({ role, content });
}

export function toConverseInput(request: ChatCompletionRequest, deployment: Deployment): ConverseStreamCommandInput {
  const system: SystemContentBlock[] = [];
  const messages: Message[] = [];
  for (const message of request.messages) {
    if (message.role === 'system' || message.role === 'developer') system.push({ text: textOf(message.content) });
    else if (message.role === 'user') push(messages, 'user', blocks(message.content));
    else if (message.role === 'assistant') {
      push(messages, 'assistant', [
        ...blocks(message.content),
        ...(message.tool_calls ?? []).map((call): ContentBlock => ({
          toolUse: { toolUseId: call.id, name: call.function.name, input: toolInput(call.function.arguments) },
        })),
      ]);
    } else {
      push(messages, 'user', [
        { toolResult: { toolUseId: message.tool_call_id, content: [{ text: textOf(message.content) }] } },
      ]);
    }
  }
  const input: ConverseStreamCommandInput = { modelId: deployment.model, messages };
  if (system.length > 0) input.system = system;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = request.stop == null ? undefined : Array.isArray(request.stop) ? request.stop : [request.stop];
  input.inferenceConfig = {
    ...(maxTokens != null ? { maxTokens } : {}),
    ...(request.temperature != null ? { temperature: Math.min(request.temperature, 1) } : {}),
    ...(request.top_p != null ? { topP: request.top_p } : {}),
    ...(stop ? { stopSequences: stop } : {}),
  };
  if (request.tools?.length) {
    const tools: Tool[] = request.tools.map((tool) => ({
      toolSpec: {
        name: tool.function.name,
        description: tool.function.description,
        inputSchema: { json: (tool.function.parameters ?? { type: 'object', properties: {} }) as never },
      },
    }));
    const choice = request.tool_choice;
    input.toolConfig = {
      tools,
      ...(choice === 'required'
        ? { toolChoice: { any: {} } }
        : choice && typeof choice === 'object'
          ? { toolChoice: { tool: { name: choice.function.name } } }
          : choice === 'auto'
            ? { toolChoice: { auto: {} } }
            : {}),
    };
  }
  return input;
}
