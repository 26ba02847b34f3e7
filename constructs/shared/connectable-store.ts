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

/**
 * The connections of an imported store: its security groups with its port as the default. Refuses
 * an import without security groups, with which `grantConnect` could not open the port.
 */
export function importedStoreConnections(
  kind: string,
  path: string,
  attrs: ConnectableStoreAttributes,
  what: string,
): ec2.Connections {
  new PropsCheck(kind, path)
    .expect(
      attrs.securityGroups.length > 0,
      `give the ${what}’s security groups, so that grantConnect can open its port to clients`,
    )
    .throwIfAny();
  return new ec2.Connections({ securityGroups: attrs.securityGroups, defaultPort: ec2.Port.tcp(attrs.port) });
}
