import { Duration, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { podIdentityRole } from './cluster-addons';

/** The store the charts' ExternalSecrets name (`secretStore` defaults to it). */
export const SECRET_STORE = 'aws-secrets-manager';
const NAMESPACE = 'external-secrets';
const SERVICE_ACCOUNT = 'external-secrets';

export interface ServingSecretsProps {
  readonly cluster: eks.Cluster;
  readonly podIdentityAgent: eks.Addon;
  /** System pods' node group: the operator runs there. */
  readonly systemNodes: eks.Nodegroup;
  /** External Secrets chart version (https://charts.external-secrets.io). */
  readonly version: string;
  /** The only secrets the operator may read: Hugging Face tokens, the demand signal's Redis user. */
  readonly secrets: readonly secretsmanager.ISecret[];
}

/**
 * External Secrets: copies named Secrets Manager secrets into Kubernetes Secrets for the serving
 * namespace (a Hugging Face token, KEDA's Redis user), so that no secret value is ever in a template
 * or manifest. Its role, through EKS Pod Identity, may read exactly the secrets given.
 */
export class ServingSecrets extends Construct {
  readonly role: iam.IRole;
  /** The `ClusterSecretStore` manifest: ExternalSecrets are applied after it. */
  readonly store: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: ServingSecretsProps) {
    super(scope, id);
    const { cluster } = props;
    const keys = props.secrets.flatMap((secret) => (secret.encryptionKey ? [secret.encryptionKey.keyArn] : []));
    this.role = podIdentityRole(this, 'Operator', {
      cluster,
      agent: props.podIdentityAgent,
      namespace: NAMESPACE,
      serviceAccount: SERVICE_ACCOUNT,
      description:
        'External Secrets: reads the serving namespace secrets (Hugging Face tokens, the demand signal user)',
      statements: [
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          // A secret imported by name has a partial ARN: match the suffix Secrets Manager adds.
          resources: props.secrets.map((secret) => secret.secretFullArn ?? `${secret.secretArn}-??????`),
        }),
        ...(keys.length
          ? [
              new iam.PolicyStatement({
                actions: ['kms:Decrypt'],
                resources: keys,
                conditions: {
                  StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
                },
              }),
            ]
          : []),
      ],
    });
    const chart = new eks.HelmChart(this, 'Operator', {
      cluster,
      chart: 'external-secrets',
      repository: 'https://charts.external-secrets.io',
      version: props.version,
      release: 'external-secrets',
      namespace: NAMESPACE,
      createNamespace: true,
      wait: true,
      timeout: Duration.minutes(15),
      values: {
        installCRDs: true,
        serviceAccount: { create: true, name: SERVICE_ACCOUNT },
        nodeSelector: { 'llm-platform/node-group': 'system' },
      },
    });
    chart.node.addDependency(this.role, props.systemNodes);
    this.store = cluster.addManifest('SecretStore', {
      apiVersion: 'external-secrets.io/v1beta1',
      kind: 'ClusterSecretStore',
      metadata: { name: SECRET_STORE },
      // No `auth`: the operator's own credentials, from EKS Pod Identity.
      spec: { provider: { aws: { service: 'SecretsManager', region: Stack.of(this).region } } },
    });
    this.store.node.addDependency(chart);
  }
}
