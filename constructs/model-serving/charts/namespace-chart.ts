import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  demandSignalAuthentication,
  modelBucketVolume,
  type DemandSignalCredentials,
  type ModelBucketMount,
} from './shared-mounts';
import { checkName } from './validate';

export interface ServingNamespaceChartProps extends ChartProps {
  readonly namespace: string;
  /** The service account the model servers run as. */
  readonly serviceAccountName: string;
  /**
   * Annotations of the service account, e.g. `eks.amazonaws.com/role-arn` on a cluster that uses
   * IRSA rather than EKS Pod Identity.
   * @default - none (EKS Pod Identity associates the role from outside the cluster)
   */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /** @default - no shared mount of the model bucket */
  readonly modelBucket?: ModelBucketMount;
  /** @default - no TriggerAuthentication for the demand signal */
  readonly demandSignalCredentials?: DemandSignalCredentials;
}

/**
 * The namespace of the model servers, their service account, the shared read-only mount of the
 * model bucket, and the credentials KEDA reads the gateway's demand signal with.
 */
export class ServingNamespaceChart extends Chart {
  constructor(scope: Construct, id: string, props: ServingNamespaceChartProps) {
    super(scope, id, { ...props, namespace: undefined });
    checkName('namespace', 'namespace', props.namespace);
    checkName('namespace', 'serviceAccountName', props.serviceAccountName);
    new ApiObject(this, 'Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: props.namespace,
        labels: {
          'app.kubernetes.io/part-of': 'llm-platform',
          // The servers meet the restricted profile but for a writable root filesystem, which it
          // does not check; enforce baseline and report anything short of restricted.
          'pod-security.kubernetes.io/enforce': 'baseline',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
    new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: props.serviceAccountName,
        namespace: props.namespace,
        labels: { 'app.kubernetes.io/part-of': 'llm-platform' },
        annotations: { ...props.serviceAccountAnnotations },
      },
      automountServiceAccountToken: false,
    });
    if (props.modelBucket) modelBucketVolume(this, props.namespace, props.modelBucket);
    if (props.demandSignalCredentials) {
      demandSignalAuthentication(this, props.namespace, props.demandSignalCredentials);
    }
  }
}
