import { sha256Hex } from '../core/pipeline/identity';
import type { GatewayConfigInput } from '../contract/config/gateway-config';

/** The key the local server accepts when it runs on embedded defaults. Not a secret: local only. */
export const LOCAL_DEVELOPMENT_KEY = 'sk-local-development';

/**
 * What the local server serves with no config file: the deterministic built-in model under the
 * names applications usually ask for, so every feature can be tried offline.
 */
export const EMBEDDED_CONFIG: GatewayConfigInput = {
  models: {
    'builtin-chat': { deployments: ['builtin'], aliases: ['gpt-4o-mini', 'default'] },
    'builtin-embedding': { kind: 'embedding', deployments: ['builtin-embedding'], aliases: ['text-embedding-3-small'] },
  },
  deployments: {
    builtin: { provider: 'builtin', model: 'builtin-echo', pricing: { input: 150_000, output: 600_000 } },
    'builtin-embedding': { provider: 'builtin', model: 'builtin-embedding', pricing: { input: 20_000, output: 0 } },
  },
  apiKeys: [{ sha256: sha256Hex(LOCAL_DEVELOPMENT_KEY), tenant: 'local' }],
};
