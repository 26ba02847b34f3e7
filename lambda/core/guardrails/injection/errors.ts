import { GatewayError } from '../../http/errors';
import type { InjectionFinding } from './chat';

/** The stable code a client sees when the guardrail blocks a request as a prompt injection. */
export const PROMPT_INJECTION_CODE = 'prompt_injection_detected';

/**
 * The block outcome: a 400 in OpenAI's error shape. It names where the suspicious text was (message
 * and part index) and never quotes it, so neither the client's logs nor ours carry the payload.
 */
export function promptInjectionError(finding: Pick<InjectionFinding, 'message' | 'part'>): GatewayError {
  const where =
    finding.part === undefined
      ? `messages[${finding.message}]`
      : `messages[${finding.message}].content[${finding.part}]`;
  return new GatewayError(
    400,
    'invalid_request_error',
    `The request was refused: ${where} looks like a prompt-injection attempt.`,
    { param: `${where}${finding.part === undefined ? '.content' : ''}`, code: PROMPT_INJECTION_CODE },
  );
}
