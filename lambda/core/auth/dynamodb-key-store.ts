import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { generateApiKey, type ApiKeyRecord, type ApiKeyStore, type IssuedKey } from './api-key';
import { KEY_NAME, KEY_TABLE_PARTITION_KEY, KEY_TABLE_TENANT_INDEX } from '../../contract/api-keys';

type Item = Record<string, AttributeValue>;

const text = (item: Item, name: string) => item[name]?.S;

function toRecord(item: Item): ApiKeyRecord | undefined {
  const keyHash = text(item, 'keyHash');
  const keyId = text(item, 'keyId');
  const tenant = text(item, 'tenant');
  const tier = text(item, 'tier');
  const status = text(item, 'status');
  const createdAt = text(item, 'createdAt');
  // An item missing what the authorizer needs is treated as no key at all.
  if (!keyHash || !keyId || !tenant || !tier || !createdAt || (status !== 'active' && status !== 'revoked')) {
    return undefined;
  }
  return {
    keyHash,
    keyId,
    tenant,
    tier,
    status,
    createdAt,
    user: text(item, 'user'),
    models: item.models?.SS ? [...item.models.SS].sort() : undefined,
    expiresAt: item.expiresAt?.N !== undefined ? Number(item.expiresAt.N) : undefined,
    revokedAt: text(item, 'revokedAt'),
    description: text(item, 'description'),
  };
}

export interface IssueRequest {
  readonly tenant: string;
  readonly tier: string;
  readonly user?: string;
  readonly models?: readonly string[];
  /** Epoch seconds. */
  readonly expiresAt?: number;
  readonly description?: string;
}

export class DynamoDbKeyStore implements ApiKeyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async find(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { [KEY_TABLE_PARTITION_KEY]: { S: keyHash } } }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  /** Creates a key and stores its hash; the returned `key` is the only copy there will ever be. */
  async issue(request: IssueRequest, generate: () => IssuedKey = generateApiKey): Promise<IssuedKey & ApiKeyRecord> {
    for (const [field, value] of [
      ['tenant', request.tenant],
      ['tier', request.tier],
      ['user', request.user],
    ] as const) {
      if (value !== undefined && !KEY_NAME.test(value)) {
        throw new Error(
          `${field} "${value}" is not a valid name: use 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`,
        );
      }
    }
    if (request.expiresAt !== undefined && request.expiresAt * 1000 <= this.now().getTime()) {
      throw new Error('expiresAt is in the past: give a time in the future');
    }
    const issued = generate();
    const record: ApiKeyRecord = {
      keyHash: issued.keyHash,
      keyId: issued.keyId,
      tenant: request.tenant,
      tier: request.tier,
      status: 'active',
      createdAt: this.now().toISOString(),
      ...(request.user ? { user: request.user } : {}),
      ...(request.models?.length ? { models: [...request.models].sort() } : {}),
      ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt } : {}),
      ...(request.description ? { description: request.description } : {}),
    };
    const item: Item = {
      keyHash: { S: record.keyHash },
      keyId: { S: record.keyId },
      tenant: { S: record.tenant },
      tier: { S: record.tier },
      status: { S: record.status },
      createdAt: { S: record.createdAt },
    };
    if (record.user) item.user = { S: record.user };
    if (record.models) item.models = { SS: [...record.models] };
    if (record.expiresAt !== undefined) item.expiresAt = { N: String(record.expiresAt) };
    if (record.description) item.description = { S: record.description };
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(keyHash)',
      }),
    );
    return { ...issued, ...record };
  }

  /** A tenant's keys (hashes and metadata, never keys), oldest first. */
  async list(tenant: string): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: KEY_TABLE_TENANT_INDEX,
          KeyConditionExpression: 'tenant = :tenant',
          ExpressionAttributeValues: { ':tenant': { S: tenant } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const record = toRecord(item);
        if (record) records.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Marks one of a tenant's keys revoked; the authorizer refuses it once its cached verdict expires. */
  async revoke(tenant: string, keyId: string): Promise<ApiKeyRecord> {
    const record = (await this.list(tenant)).find((r) => r.keyId === keyId);
    if (!record) throw new Error(`tenant "${tenant}" has no key with id ${keyId}; \`list\` shows its keys`);
    const revokedAt = this.now().toISOString();
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [KEY_TABLE_PARTITION_KEY]: { S: record.keyHash } },
        UpdateExpression: 'SET #status = :revoked, revokedAt = :at',
        ConditionExpression: 'attribute_exists(keyHash)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':revoked': { S: 'revoked' }, ':at': { S: revokedAt } },
      }),
    );
    return { ...record, status: 'revoked', revokedAt };
  }
}
