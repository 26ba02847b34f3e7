import type { ProviderKind } from '../contract/config/gateway-config';
import { httpProvider } from '../core/providers/http-provider';
import type { ProviderClient } from '../core/providers/provider';
import { anthropicProvider } from './anthropic';
import { bedrockProvider } from './bedrock';
import { builtinProvider } from './builtin';
import { openAiProvider } from './openai';
import { openAiCompatibleProvider } from './openai-compatible';

/** Every provider kind the config may name, and the client that speaks it. */
export const PROVIDERS: Readonly<Record<ProviderKind, ProviderClient>> = {
  openai: httpProvider(openAiProvider),
  anthropic: httpProvider(anthropicProvider),
  bedrock: bedrockProvider(),
  'openai-compatible': httpProvider(openAiCompatibleProvider),
  builtin: builtinProvider,
};
