import type { ChatCompletionRequest, ContentPart } from '../../openai/types';
import type { InjectionDetector, InjectionScore } from './detector';

/**
 * Which parts of a chat request are worth scoring, and which of them look like an injection. Scored:
 * what arrives from outside the operator's control, user messages and tool results (role "tool"),
 * each text content part on its own. Not scored: system and developer messages (the operator's own
 * instructions) and assistant turns (the model's earlier output).
 */
export interface InjectionFinding extends InjectionScore {
  /** Index of the message in `messages`. */
  readonly message: number;
  /** Index of the content part, when the message content is an array of parts. */
  readonly part?: number;
  readonly role: 'user' | 'tool';
}

export interface ChatInspection {
  /** Every scored part above the threshold, in request order. */
  readonly flagged: readonly InjectionFinding[];
  /** The highest score of any part (0 when nothing was scored). */
  readonly maxScore: number;
  readonly partsScored: number;
}

const SCORED_ROLES = new Set(['user', 'tool']);

function textOf(part: ContentPart): string | undefined {
  return part.type === 'text' && typeof (part as { text?: unknown }).text === 'string'
    ? (part as { text: string }).text
    : undefined;
}

export function inspectChatRequest(
  detector: InjectionDetector,
  request: Pick<ChatCompletionRequest, 'messages'>,
): ChatInspection {
  const flagged: InjectionFinding[] = [];
  let maxScore = 0;
  let partsScored = 0;
  const consider = (text: string, message: number, role: 'user' | 'tool', part?: number) => {
    if (text.trim() === '') return;
    partsScored++;
    const result = detector.score(text);
    maxScore = Math.max(maxScore, result.score);
    if (result.injection) flagged.push({ ...result, message, role, ...(part === undefined ? {} : { part }) });
  };
  request.messages.forEach((message, index) => {
    if (!SCORED_ROLES.has(message.role)) return;
    const role = message.role as 'user' | 'tool';
    if (typeof message.content === 'string') consider(message.content, index, role);
    else if (Array.isArray(message.content))
      message.content.forEach((part, p) => {
        const text = textOf(part);
        if (text !== undefined) consider(text, index, role, p);
      });
  });
  return { flagged, maxScore, partsScored };
}

export interface ChunkFinding extends InjectionScore {
  /** Index of the chunk in the list given (e.g. the embedding service's search results). */
  readonly index: number;
}

/** Scores retrieved chunks (anything with a `content` string, such as the embedding service's hits). */
export function inspectRetrievedChunks(
  detector: InjectionDetector,
  chunks: ReadonlyArray<{ readonly content: string }>,
): ChunkFinding[] {
  const flagged: ChunkFinding[] = [];
  chunks.forEach((chunk, index) => {
    const result = detector.score(chunk.content);
    if (result.injection) flagged.push({ ...result, index });
  });
  return flagged;
}
