import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

/**
 * KEDA's ScaledObject (keda.sh/v1alpha1), written as a plain ApiObject so that the charts need no
 * generated CRD import. KEDA turns it into an HPA for the Deployment and feeds it the triggers'
 * values through its external metrics API: the servers' own Prometheus metrics become scaling
 * signals without a per-cluster metrics adapter configuration.
 */
export interface PrometheusTrigger {
  /** Trigger name, unique within the ScaledObject (shown in the HPA's metric names). */
  readonly name: string;
  /** A PromQL query that returns one number. */
  readonly query: string;
  /** The target value of the query (per replica for `AverageValue`, overall for `Value`). */
  readonly threshold: number;
  /**
   * `AverageValue`: the query is a total (a queue length) shared by the replicas;
   * `Value`: the query is already a level (a latency, a utilisation) to keep at the threshold.
   */
  readonly metricType: 'AverageValue' | 'Value';
}

export interface ScaledObjectProps {
  readonly name: string;
  readonly deploymentName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly prometheusServerAddress: string;
  readonly triggers: readonly PrometheusTrigger[];
  /** How often KEDA evaluates the triggers, in seconds. */
  readonly pollingIntervalSeconds: number;
  /** How long the load must stay low before a replica is removed, in seconds. */
  readonly scaleDownStabilizationSeconds: number;
}

export function scaledObject(scope: Construct, id: string, props: ScaledObjectProps): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: props.name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
      minReplicaCount: props.minReplicas,
      maxReplicaCount: props.maxReplicas,
      pollingInterval: props.pollingIntervalSeconds,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            // A new replica takes minutes to load its model: add capacity at once, in steps of
            // whole replicas, and remove it slowly, one at a time.
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
            scaleDown: {
              stabilizationWindowSeconds: props.scaleDownStabilizationSeconds,
              policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
            },
          },
        },
      },
      triggers: props.triggers.map((trigger) => ({
        type: 'prometheus',
        name: trigger.name,
        metricType: trigger.metricType,
        metadata: {
          serverAddress: props.prometheusServerAddress,
          query: trigger.query,
          threshold: String(trigger.threshold),
          // No series yet (a replica still loading) counts as zero load, not as a scaler error.
          ignoreNullValues: 'true',
        },
      })),
    },
  });
}
