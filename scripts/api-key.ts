/**
 * Issues, lists and revokes the gateway's API keys in the key table of a deployed GatewayApi.
 *
 *   npm run api-key -- issue  --table TABLE --tenant acme --tier standard [--user ci] [--models chat-default,embed]
 *                             [--expires-in-days 90] [--description "CI pipeline"]
 *   npm run api-key -- list   --table TABLE --tenant acme
 *   npm run api-key -- revoke --table TABLE --tenant acme --key-id 1a2b3c4d5e6f
 *
 * TABLE is the stack output `ApiKeyTable`. Credentials and region come from the usual AWS
 * environment (AWS_PROFILE, AWS_REGION, ...); `--endpoint` points at another DynamoDB (tests). The key
 * is printed once, on issue: only its SHA-256 is stored. A revoked key stops working once the
 * authorizer's cached verdict expires (`authorizerCacheTtl`, one minute by default).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseArgs } from 'node:util';
import { DynamoDbKeyStore } from '../lambda/core/auth/dynamodb-key-store';

const USAGE =
  'usage: api-key issue|list|revoke --table TABLE --tenant NAME [--tier T] [--key-id ID] (see scripts/api-key.ts)';

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      tenant: { type: 'string' },
      tier: { type: 'string' },
      user: { type: 'string' },
      models: { type: 'string' },
      'expires-in-days': { type: 'string' },
      description: { type: 'string' },
      'key-id': { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
    },
  });
  const [command] = positionals;
  const need = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new Error(`--${name} is required for ${command}\n${USAGE}`);
    return value;
  };
  if (!['issue', 'list', 'revoke'].includes(command)) throw new Error(USAGE);
  const client = new DynamoDBClient({
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.region ? { region: values.region } : {}),
  });
  const store = new DynamoDbKeyStore(client, need('table'));
  const tenant = need('tenant');
  try {
    if (command === 'issue') {
      const days = values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']);
      if (days !== undefined && !(Number.isInteger(days) && days > 0)) {
        throw new Error(`--expires-in-days must be a whole number of days, not ${values['expires-in-days']}`);
      }
      const issued = await store.issue({
        tenant,
        tier: need('tier'),
        user: values.user,
        models: values.models
          ? values.models
              .split(',')
              .map((m) => m.trim())
              .filter(Boolean)
          : undefined,
        expiresAt: days ? Math.floor(Date.now() / 1000) + days * 86_400 : undefined,
        description: values.description,
      });
      out(`key:     ${issued.key}`);
      out(`key id:  ${issued.keyId}`);
      out(`tenant:  ${issued.tenant} (tier ${issued.tier})`);
      out(`expires: ${issued.expiresAt ? new Date(issued.expiresAt * 1000).toISOString() : 'never'}`);
      out('Store the key now: it is not kept anywhere and cannot be shown again.');
    } else if (command === 'list') {
      for (const r of await store.list(tenant)) {
        const expiry = r.expiresAt ? new Date(r.expiresAt * 1000).toISOString() : 'never';
        out(
          `${r.keyId}  ${r.status.padEnd(7)}  tier=${r.tier}  created=${r.createdAt}  expires=${expiry}${r.description ? `  ${r.description}` : ''}`,
        );
      }
    } else {
      const revoked = await store.revoke(tenant, need('key-id'));
      out(`revoked ${revoked.keyId} of ${revoked.tenant} at ${revoked.revokedAt}`);
    }
  } finally {
    client.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
