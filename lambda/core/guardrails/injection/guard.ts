import type { GatewayError } from '../../http/errors';
import type { ChatCompletionRequest } from '../../openai/types';
import { inspectChatRequest, type ChatInspection } from './chat';
import type { InjectionDetector } from './detector';
import { promptInjectionError } from './errors';

/**
 * What the guardrail stage does with a request the detector scored: in `block` mode the first part
 * above the threshold refuses the request (a 400 with the stable `prompt_injection_detected` code);
 * in `flag` mode the request goes on and the findings (rule ids and scores, never text) are the
 * caller's to record. A request with nothing above the threshold is allowed in either mode.
 */
export type InjectionMode = 'block' | 'flag';

export interface InjectionVerdict {
  readonly action: 'allow' | 'flag' | 'block';
  readonly inspection: ChatInspection;
  /** Set when the action is `block`: the error to answer with. */
  readonly error?: GatewayError;
}

export function judgeChatRequest(
  detector: InjectionDetector,
  request: Pick<ChatCompletionRequest, 'messages'>,
  mode: InjectionMode,
): InjectionVerdict {
  const inspection = inspectChatRequest(detector, request);
  const [first] = inspection.flagged;
  if (first === undefined) return { action: 'allow', inspection };
  if (mode === 'flag') return { action: 'flag', inspection };
  return { action: 'block', inspection, error: promptInjectionError(first) };
}
