import {
  secretsProviderFor,
  startFakeSecretsManager,
  type FakeSecretsManager,
} from '../../../test/support/fake-aws/secrets-manager';
import { UpstreamError } from '../providers/upstream-error';
import { SecretsManagerCredentialSource } from './secrets-manager-credentials';
import { isUnsetCredential, UNSET_CREDENTIAL_SECRET_STRING } from '../../contract/credentials';

/**
 * A provider secret that ProviderSecrets created and nobody has set yet holds a marker, never a
 * key: the gateway refuses to call with it, and says which credential is unset.
 */
const UNSET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:llm/openai-AbCdEf';
const SET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:llm/anthropic-GhIjKl';

let secrets: FakeSecretsManager;
beforeAll(async () => {
  secrets = await startFakeSecretsManager({
    [UNSET]: UNSET_CREDENTIAL_SECRET_STRING,
    [SET]: JSON.stringify({ apiKey: 'sk-ant-set-by-the-operator' }),
  });
});
afterAll(() => secrets.close());

test('the marker is pinned: changing it would overwrite every credential already set on the next deploy', () => {
  expect(UNSET_CREDENTIAL_SECRET_STRING).toBe(
    '{"unset":true,"help":"This provider credential has not been set. Set it with: aws secretsmanager ' +
      'put-secret-value --secret-id <this secret> --secret-string file://key.json (key.json: {\\"apiKey\\":\\"...\\"}). ' +
      'The gateway refuses calls that need it until then."}',
  );
  expect(UNSET_CREDENTIAL_SECRET_STRING).not.toMatch(/sk-|apiKey":"[^.]/);
});

test('the marker is told apart from keys, JSON keys and broken JSON', () => {
  expect(isUnsetCredential(UNSET_CREDENTIAL_SECRET_STRING)).toBe(true);
  expect(isUnsetCredential('sk-live-key')).toBe(false);
  expect(isUnsetCredential('{"apiKey":"sk-live-key"}')).toBe(false);
  expect(isUnsetCredential('{"unset":false}')).toBe(false);
  expect(isUnsetCredential('{not json')).toBe(false);
});

test('the credential source refuses an unset credential by name, as a credential failure', async () => {
  const source = new SecretsManagerCredentialSource({ openai: UNSET, anthropic: SET }, secretsProviderFor(secrets));
  const refusal = source.get('openai');
  await expect(refusal).rejects.toBeInstanceOf(UpstreamError);
  await expect(refusal).rejects.toMatchObject({ failure: 'credential' });
  await expect(refusal).rejects.toThrow(/^credential "openai" has not been set: .*put the key in it/);
  await expect(source.get('anthropic')).resolves.toBe('sk-ant-set-by-the-operator');
});
