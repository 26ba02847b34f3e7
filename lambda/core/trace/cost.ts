import type { Deployment } from '../../contract/config/gateway-config';
import type { TokenUsage } from '../openai/types';

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/**
 * Cost of one call in integer micro-dollars. Prices are micro-dollars per million tokens; the exact
 * sum is rounded up once, so a call is never billed below its true cost and never by more than one
 * micro-dollar above it. Cached input tokens are billed at the cached price where one is set.
 */
export function costMicroUsd(pricing: Deployment['pricing'], usage: TokenUsage): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  const numerator =
    uncached * pricing.input + cached * (pricing.cachedInput ?? pricing.input) + usage.outputTokens * pricing.output;
  return Math.ceil(numerator / TOKENS_PER_PRICE_UNIT);
}
