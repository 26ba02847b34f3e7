import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { ChunkFactory } from '../../core/openai/builders';
import type { ChatCompletionChunk } from '../../core/openai/types';
import { finishReasonOf, toOpenAiUsage } from './response';

/**
 * ConverseStream events (messageStart, contentBlockStart/Delta/Stop, messageStop, metadata) as
 * OpenAI chunks. Usage arrives last, in `metadata`, and becomes the usage chunk.
 */
export class ConverseStreamTranslator {
  private readonly chunks: ChunkFactory;
  private readonly toolIndexes = new Map<number, number>();

  constructor(id: string, model: string) {
    this.chunks = new ChunkFactory(id, model);
  }

  translate(event: ConverseStreamOutput): { chunks: ChatCompletionChunk[]; done?: boolean } {
    if (event.messageStart) return { chunks: [this.chunks.delta({ role: 'assistant', content: '' })] };
    if (event.contentBlockStart?.start?.toolUse) {
      const index = this.toolIndexes.size;
      this.toolIndexes.set(event.contentBlockStart.contentBlockIndex!, index);
      const { toolUseId, name } = event.contentBlockStart.start.toolUse;
      return {
        chunks: [
          this.chunks.delta({
            tool_calls: [{ index, id: toolUseId, type: 'function', function: { name, arguments: '' } }],
          }),
        ],
      };
    }
    if (event.contentBlockDelta?.delta) {
      const { delta, contentBlockIndex } = event.contentBlockDelta;
      if (delta.text !== undefined) return { chunks: [this.chunks.delta({ content: delta.text })] };
      if (delta.toolUse) {
        const index = this.toolIndexes.get(contentBlockIndex!);
        if (index === undefined) throw new Error('toolUse delta for a block that is not a tool use');
        return {
          chunks: [this.chunks.delta({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] })],
        };
      }
      return { chunks: [] };
    }
    if (event.messageStop) return { chunks: [this.chunks.delta({}, finishReasonOf(event.messageStop.stopReason))] };
    if (event.metadata) return { chunks: [this.chunks.usage(toOpenAiUsage(event.metadata.usage))], done: true };
    const failure = Object.keys(event).find((key) => key.endsWith('Exception'));
    if (failure) throw new Error(`Bedrock stream error: ${failure}`);
    return { chunks: [] };
  }
}
