import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import type { ChatCompletionChunk, FinishReason } from '../../core/openai/types';
import { finishReasonOf, toOpenAiUsage } from './response';

/**
 * ConverseStream events (messageStart, contentBlockStart/Delta/Stop, messageStop, metadata) as
 * OpenAI chunks. Usage arrives last, in `metadata`, and becomes the usage chunk.
 */
export class ConverseStreamTranslator {
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly toolIndexes = new Map<number, number>();

  constructor(
    private readonly id: string,
    private readonly model: string,
  ) {}

  private chunk(
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

  translate(event: ConverseStreamOutput): { chunks: ChatCompletionChunk[]; done?: boolean } {
    if (event.messageStart) return { chunks: [this.chunk({ role: 'assistant', content: '' })] };
    if (event.contentBlockStart?.start?.toolUse) {
      const index = this.toolIndexes.size;
      this.toolIndexes.set(event.contentBlockStart.contentBlockIndex!, index);
      const { toolUseId, name } = event.contentBlockStart.start.toolUse;
      return {
        chunks: [
          this.chunk({ tool_calls: [{ index, id: toolUseId, type: 'function', function: { name, arguments: '' } }] }),
        ],
      };
    }
    if (event.contentBlockDelta?.delta) {
      const { delta, contentBlockIndex } = event.contentBlockDelta;
      if (delta.text !== undefined) return { chunks: [this.chunk({ content: delta.text })] };
      if (delta.toolUse) {
        const index = this.toolIndexes.get(contentBlockIndex!);
        if (index === undefined) throw new Error('toolUse delta for a block that is not a tool use');
        return { chunks: [this.chunk({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] })] };
      }
      return { chunks: [] };
    }
    if (event.messageStop) return { chunks: [this.chunk({}, finishReasonOf(event.messageStop.stopReason))] };
    if (event.metadata) {
      return {
        chunks: [
          {
            id: this.id,
            object: 'chat.completion.chunk',
            created: this.created,
            model: this.model,
            choices: [],
            usage: toOpenAiUsage(event.metadata.usage),
          },
        ],
        done: true,
      };
    }
    const failure = Object.keys(event).find((key) => key.endsWith('Exception'));
    if (failure) throw new Error(`Bedrock stream error: ${failure}`);
    return { chunks: [] };
  }
}
