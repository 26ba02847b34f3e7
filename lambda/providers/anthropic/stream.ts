import { ChunkFactory } from '../../core/openai/builders';
import type { ChatCompletionChunk } from '../../core/openai/types';
import type { StreamTranslator } from '../../core/providers/provider';
import { finishReasonOf, toOpenAiUsage, type AnthropicUsage } from './response';

/**
 * Anthropic's streaming events (message_start, content_block_*, message_delta, message_stop) as
 * OpenAI chunks. Input usage arrives in message_start, output usage in message_delta; the usage
 * chunk is emitted at message_stop.
 */
export class AnthropicStreamTranslator implements StreamTranslator {
  /** Id and model arrive in message_start. */
  private readonly chunks = new ChunkFactory('', '');
  private usage: AnthropicUsage = {};
  /** Anthropic content-block index -> OpenAI tool-call index. */
  private readonly toolIndexes = new Map<number, number>();

  translate(event: { event?: string; data: string }): { chunks: ChatCompletionChunk[]; done?: boolean } {
    const data = JSON.parse(event.data) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    switch (data.type) {
      case 'message_start':
        this.chunks.id = data.message.id;
        this.chunks.model = data.message.model;
        this.usage = { ...data.message.usage };
        return { chunks: [this.chunks.delta({ role: 'assistant', content: '' })] };
      case 'content_block_start': {
        const block = data.content_block;
        if (block.type !== 'tool_use') return { chunks: [] };
        const index = this.toolIndexes.size;
        this.toolIndexes.set(data.index, index);
        return {
          chunks: [
            this.chunks.delta({
              tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
            }),
          ],
        };
      }
      case 'content_block_delta': {
        const delta = data.delta;
        if (delta.type === 'text_delta') return { chunks: [this.chunks.delta({ content: delta.text })] };
        if (delta.type === 'input_json_delta') {
          const index = this.toolIndexes.get(data.index);
          if (index === undefined) throw new Error('input_json_delta for a block that is not a tool_use');
          return {
            chunks: [this.chunks.delta({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] })],
          };
        }
        return { chunks: [] };
      }
      case 'message_delta':
        this.usage = { ...this.usage, ...data.usage };
        return { chunks: [this.chunks.delta({}, finishReasonOf(data.delta?.stop_reason) ?? 'stop')] };
      case 'message_stop':
        return { chunks: [this.chunks.usage(toOpenAiUsage(this.usage))], done: true };
      case 'error':
        throw new Error(`Anthropic stream error: ${data.error?.type ?? 'unknown'}`);
      default:
        // ping, content_block_stop and event types added later carry nothing to translate.
        return { chunks: [] };
    }
  }
}
