/**
 * What a provider credential's secret holds from the moment the `ProviderSecrets` construct creates
 * it until an operator sets the real key: an explicit marker, never a key. The gateway refuses a
 * call that needs such a credential with an error naming it (see `SecretsManagerCredentialSource`).
 *
 * NEVER EDIT THIS VALUE. CloudFormation compares a secret's `SecretString` with the template on every
 * deploy: changing the marker would replace the key of every credential already set with the new
 * marker. A test pins it.
 */
export const UNSET_CREDENTIAL_SECRET_STRING = JSON.stringify({
  unset: true,
  help:
    'This provider credential has not been set. Set it with: aws secretsmanager put-secret-value ' +
    '--secret-id <this secret> --secret-string file://key.json (key.json: {"apiKey":"..."}). ' +
    'The gateway refuses calls that need it until then.',
});

/** Whether a secret's value is still the marker it was created with. */
export function isUnsetCredential(secretString: string): boolean {
  if (!secretString.startsWith('{')) return false;
  try {
    return (JSON.parse(secretString) as { unset?: unknown }).unset === true;
  } catch {
    return false;
  }
}
