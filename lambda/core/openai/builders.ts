import type { ChatCompletion, ChatCompletionChunk, FinishReason, ToolCall, Usage } from './types';

/**
 * OpenAI response objects built from what a provider answered, so that every provider's transform
 * produces the same shape.
 */
export function assistantCompletion(answer: {
  id: string;
  model: string;
  texts: string[];
  toolCalls: ToolCall[];
  finishReason: FinishReason | null;
  usage: Usage;
}): ChatCompletion {
  return {
    id: answer.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: answer.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: answer.texts.length > 0 ? answer.texts.join('') : null,
          ...(answer.toolCalls.length > 0 ? { tool_calls: answer.toolCalls } : {}),
        },
        finish_reason: answer.finishReason,
        logprobs: null,
      },
    ],
    usage: answer.usage,
  };
}

/** Makes the chunks of one streamed answer: same id, creation time and model on every chunk. */
export class ChunkFactory {
  readonly created = Math.floor(Date.now() / 1000);

  constructor(
    public id: string,
    public model: string,
  ) {}

  delta(
    delta: ChatCompletionChunk['choices'][0]['delta'],
    finishReason: FinishReason | null = null,
  ): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    };
  }

  usage(usage: Usage): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage,
    };
  }
}
