import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { SERVING_DEMAND, servingDemandKey } from '../../../lambda/contract/serving-demand';
import type { ServingDemandSignal } from './offline-models';

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
  /** The gateway's recorded demand: the trigger that wakes the workload from zero. */
  readonly demand?: ServingDemandSignal;
  /** With `minReplicas` 0: how long every trigger must be idle before the last replica goes. */
  readonly idleBeforeZeroSeconds?: number;
}

/** The name of the trigger on the gateway's recorded demand. */
export const DEMAND_TRIGGER = 'gateway-demand';

/**
 * KEDA's `redis` (list) scaler on the list the gateway pushes a want on whenever it gives up on the
 * cold deployment: any entry activates the workload (0 -> 1); the per-replica target is above the
 * list's cap, so from one replica on the servers' own signals decide.
 */
export function demandTrigger(signal: ServingDemandSignal): Record<string, unknown> {
  return {
    type: 'redis',
    name: DEMAND_TRIGGER,
    metricType: 'AverageValue',
    metadata: {
      address: signal.redisAddress,
      listName: servingDemandKey(signal.deploymentId, signal.redisPrefix),
      listLength: String(SERVING_DEMAND.entriesPerReplica),
      activationListLength: String(SERVING_DEMAND.activationEntries),
      enableTLS: String(signal.enableTls ?? true),
      databaseIndex: '0',
    },
    ...(signal.authenticationRef ? { authenticationRef: { name: signal.authenticationRef } } : {}),
  };
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
      ...(props.minReplicas === 0 ? { cooldownPeriod: props.idleBeforeZeroSeconds } : {}),
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
      triggers: [...props.triggers.map((trigger) => prometheusTrigger(trigger, props)), ...demand(props.demand)],
    },
  });
}

const demand = (signal: ServingDemandSignal | undefined) => (signal ? [demandTrigger(signal)] : []);

function prometheusTrigger(trigger: PrometheusTrigger, props: ScaledObjectProps): Record<string, unknown> {
  return {
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
  };
}
