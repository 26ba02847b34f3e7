import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { grantSecretRead } from './grant-secret-read';
import { PropsCheck } from './validation';

/** Something that runs in the VPC under a role and connects to a store: a function, a task, a node group's pods. */
export interface IStoreClient extends iam.IGrantable, ec2.IConnectable {}

/** What every imported store is described by, besides its own attributes. */
export interface ConnectableStoreAttributes {
  /** Host name clients connect to. */
  readonly endpointAddress: string;
  /** TCP port clients connect to. */
  readonly port: number;
  /** The store's security groups; `grantConnect` adds ingress rules to them. */
  readonly securityGroups: ec2.ISecurityGroup[];
}

/**
 * A data store in the VPC that clients reach on one port over TLS and log in to with the
 * credentials of one secret (the response cache, the vector store): `grantConnect` opens the port
 * to a client and lets it read the secret. The stores made here and those imported with
 * `fromXxxAttributes` share it.
 */
export abstract class ConnectableStore extends Construct implements ec2.IConnectable {
  abstract readonly endpointAddress: string;
  abstract readonly port: number;
  abstract readonly connections: ec2.Connections;
  /** The secret a client reads to log in. */
  protected abstract readonly clientSecret: secretsmanager.ISecret;
  /** What the port speaks, in the ingress rules' descriptions (`PostgreSQL (TLS)`). */
  protected abstract readonly protocol: string;

  /**
   * Lets `client` reach the store on its port and read its login secret. The grant returned is the
   * secret's (the ingress rule is added to the store's security groups).
   */
  grantConnect(client: IStoreClient): iam.Grant {
    this.connections.allowDefaultPortFrom(client, `${this.protocol} from ${client.toString()}`);
    return grantSecretRead(this.clientSecret, client);
  }
}

/** How clients of an imported store log in, and what to call it in messages. */
export interface StoreLogin {
  /** The store's kind (`VectorStore`), for messages. */
  readonly kind: string;
  /** What it is (`database`), for messages. */
  readonly what: string;
  /** What its port speaks (`PostgreSQL (TLS)`). */
  readonly protocol: string;
  /** The secret clients read to log in. */
  readonly secret: secretsmanager.ISecret;
}

class ImportedStore extends ConnectableStore {
  readonly endpointAddress: string;
  readonly port: number;
  readonly connections: ec2.Connections;
  protected readonly clientSecret: secretsmanager.ISecret;
  protected readonly protocol: string;

  constructor(scope: Construct, id: string, attrs: ConnectableStoreAttributes, login: StoreLogin) {
    new PropsCheck(login.kind, `${scope.node.path}/${id}`)
      .expect(
        attrs.securityGroups.length > 0,
        `give the ${login.what}’s security groups, so that grantConnect can open its port to clients`,
      )
      .throwIfAny();
    super(scope, id);
    this.endpointAddress = attrs.endpointAddress;
    this.port = attrs.port;
    this.connections = new ec2.Connections({
      securityGroups: attrs.securityGroups,
      defaultPort: ec2.Port.tcp(attrs.port),
    });
    this.clientSecret = login.secret;
    this.protocol = login.protocol;
  }
}

/**
 * A store that exists already (`fromXxxAttributes`), with the store's own attributes (`own`) beside
 * the connection ones. Refuses an import without security groups, with which `grantConnect` could
 * not open the port.
 */
export function importStore<T extends object>(
  scope: Construct,
  id: string,
  attrs: ConnectableStoreAttributes,
  login: StoreLogin,
  own: T,
): ConnectableStore & T {
  return Object.assign(new ImportedStore(scope, id, attrs, login), own);
}
