import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
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
}

/** The namespace of the model servers and the service account that reads their models. */
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
  }
}
