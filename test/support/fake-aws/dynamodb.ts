import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback DynamoDB that answers the calls the key store makes, in the service's JSON protocol
 * (`X-Amz-Target: DynamoDB_20120810.<Op>`, `application/x-amz-json-1.0`): GetItem, PutItem and
 * UpdateItem with `attribute_(not_)exists(<key>)` conditions and `SET a = :v, ...` updates, and Query
 * with equality key conditions (on the table or an index, which it treats alike).
 */
type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

export interface FakeDynamoDb {
  readonly endpoint: string;
  /** Items by partition key value. */
  readonly items: Map<string, Item>;
  /** Operations asked for, in order (`GetItem`, `Query`, ...). */
  readonly calls: string[];
  close(): Promise<void>;
}

interface Request {
  TableName?: string;
  Key?: Item;
  Item?: Item;
  ConditionExpression?: string;
  UpdateExpression?: string;
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

class Refused extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeDynamoDb(tableName: string, partitionKey: string): Promise<FakeDynamoDb> {
  const items = new Map<string, Item>();
  const calls: string[] = [];
  const keyOf = (item: Item | undefined) => {
    const value = item?.[partitionKey]?.S;
    if (typeof value !== 'string') throw new Refused('ValidationException', `missing key ${partitionKey}`);
    return value;
  };
  const name = (token: string, request: Request) =>
    token.startsWith('#') ? request.ExpressionAttributeNames![token] : token;
  const value = (token: string, request: Request) => {
    const found = request.ExpressionAttributeValues?.[token];
    if (!found) throw new Refused('ValidationException', `no value for ${token}`);
    return found;
  };
  const checkCondition = (request: Request, existing: Item | undefined) => {
    if (!request.ConditionExpression) return;
    const match = /^attribute_(not_)?exists\((\w+)\)$/.exec(request.ConditionExpression);
    if (!match) throw new Refused('ValidationException', `unsupported condition ${request.ConditionExpression}`);
    const wantsAbsent = Boolean(match[1]);
    if (wantsAbsent === (existing !== undefined)) {
      throw new Refused('ConditionalCheckFailedException', 'The conditional request failed');
    }
  };

  const operations: Record<string, (request: Request) => unknown> = {
    GetItem: (request) => {
      const item = items.get(keyOf(request.Key));
      return item ? { Item: item } : {};
    },
    PutItem: (request) => {
      const key = keyOf(request.Item);
      checkCondition(request, items.get(key));
      items.set(key, request.Item!);
      return {};
    },
    UpdateItem: (request) => {
      const key = keyOf(request.Key);
      const existing = items.get(key);
      checkCondition(request, existing);
      const match = /^SET (.+)$/.exec(request.UpdateExpression ?? '');
      if (!match) throw new Refused('ValidationException', `unsupported update ${request.UpdateExpression}`);
      const updated: Item = { ...(existing ?? request.Key!) };
      for (const assignment of match[1].split(',')) {
        const [left, right] = assignment.split('=').map((s) => s.trim());
        updated[name(left, request)] = value(right, request);
      }
      items.set(key, updated);
      return {};
    },
    Query: (request) => {
      const conditions = (request.KeyConditionExpression ?? '').split(/\s+AND\s+/i).map((part) => {
        const [left, right] = part.split('=').map((s) => s.trim());
        return [name(left, request), JSON.stringify(value(right, request))] as const;
      });
      const found = [...items.values()].filter((item) =>
        conditions.every(([attribute, expected]) => JSON.stringify(item[attribute]) === expected),
      );
      return { Items: found, Count: found.length };
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = { 'content-type': 'application/x-amz-json-1.0' };
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
      try {
        const request = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Request;
        const handle = operations[operation];
        if (!handle) throw new Refused('UnknownOperationException', `unsupported operation ${operation}`);
        if (request.TableName !== tableName) {
          throw new Refused('ResourceNotFoundException', `Requested resource not found: ${request.TableName}`);
        }
        calls.push(operation);
        const answer = JSON.stringify(handle(request));
        res.writeHead(200, json).end(answer);
      } catch (error) {
        const type = error instanceof Refused ? error.type : 'InternalServerError';
        res
          .writeHead(400, json)
          .end(
            JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: (error as Error).message }),
          );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    items,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the SDK keeps its connections alive
      }),
  };
}
