import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { UpstreamError } from '../providers/upstream-error';
import type { CredentialSource } from './credentials';
import { isUnsetCredential } from '../../contract/credentials';

/** How long a fetched secret is reused before Secrets Manager is asked again (rotation lag). */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * Provider keys from Secrets Manager, cached in the function for `maxAgeSeconds` so that a warm
 * function does not call Secrets Manager per request, and a rotated key is picked up within that
 * time. A secret may hold the key itself or JSON with an `apiKey` field. A secret that still holds
 * the marker `ProviderSecrets` created it with is refused with an error naming the credential, so
 * that an unset key is told apart from a key the provider refused.
 */
export class SecretsManagerCredentialSource implements CredentialSource {
  constructor(
    private readonly secretArns: Readonly<Record<string, string>>,
    private readonly secrets: SecretsProvider = new SecretsProvider(),
    private readonly maxAgeSeconds = SECRET_MAX_AGE_SECONDS,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const arn = this.secretArns[name];
    if (!arn) return undefined;
    const value = await this.secrets.get(arn, { maxAge: this.maxAgeSeconds });
    if (typeof value !== 'string' || value.length === 0) return undefined;
    if (isUnsetCredential(value)) {
      throw new UpstreamError(
        'credential',
        `credential "${name}" has not been set: its Secrets Manager secret still holds the placeholder it was ` +
          'created with; an operator must put the key in it (README, "Provider secrets")',
      );
    }
    if (value.startsWith('{')) {
      const parsed = JSON.parse(value) as { apiKey?: unknown };
      return typeof parsed.apiKey === 'string' && parsed.apiKey.length > 0 ? parsed.apiKey : undefined;
    }
    return value;
  }
}
