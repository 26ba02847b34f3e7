import { CfnOutput, type RemovalPolicy } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { IResponseCache, Network } from '../constructs';
import { ModelServingCluster } from '../constructs/model-serving';
import type { GatewayConfigInput } from '../lambda/contract/config/gateway-config';
import type { EnvironmentConfig } from './config/schema';

/**
 * The environment's self-hosted serving cluster, when its config enables one. Workloads keep the
 * replicas their config says; unset, production (highly available) environments keep one and the
 * others none: they wake on the demand the gateway records in its cache.
 */
export function addServing(
  scope: Construct,
  config: EnvironmentConfig,
  network: Network,
  cache: IResponseCache,
  removalPolicy: RemovalPolicy,
): ModelServingCluster | undefined {
  if (!config.serving.enabled) return undefined;
  const { serving } = config;
  const floor = config.highAvailability ? 1 : 0;
  const autoscaling = (w: { minReplicas?: number; maxReplicas: number }) => ({
    minReplicas: w.minReplicas ?? floor,
    maxReplicas: w.maxReplicas,
  });
  const secret = (id: string, name: string | undefined) =>
    name === undefined ? undefined : { secret: secretNamed(scope, id, name) };
  const cluster = new ModelServingCluster(scope, 'Serving', {
    vpc: network.vpc,
    subnets: network.applicationSubnets,
    systemNodes: serving.systemNodes,
    gpuNodeGroups: serving.gpuNodeGroups.map((group) => ({
      ...group,
      capacityType: group.capacityType === 'SPOT' ? eks.CapacityType.SPOT : eks.CapacityType.ON_DEMAND,
    })),
    vllm: serving.vllm.map(({ minReplicas, maxReplicas, huggingFaceTokenSecret, ...workload }) => ({
      ...workload,
      autoscaling: autoscaling({ minReplicas, maxReplicas }),
      huggingFaceToken: secret(`HubToken-${workload.name}`, huggingFaceTokenSecret),
    })),
    triton: serving.triton.map(({ minReplicas, maxReplicas, huggingFaceTokenSecret, ...workload }) => ({
      ...workload,
      autoscaling: autoscaling({ minReplicas, maxReplicas }),
      huggingFaceToken: secret(`HubToken-${workload.name}`, huggingFaceTokenSecret),
    })),
    demandSignal: { cache },
    adminRoleArns: serving.adminRoleArns,
    removalPolicy,
  });
  new CfnOutput(scope, 'ServingClusterName', { value: cluster.cluster.clusterName });
  new CfnOutput(scope, 'ServingModelBucket', {
    value: cluster.modelBucket.bucketName,
    description:
      'Upload model weights, tokenizers and Triton repositories here (the prefixes of serving.vllm / serving.triton)',
  });
  return cluster;
}

/** Imported by name: the secret (a Hugging Face token) is made by its owner, never by the template. */
function secretNamed(scope: Construct, id: string, name: string): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretNameV2(scope, id, name);
}

/**
 * The gateway config with the environment's self-hosted models, when it has a serving cluster: its
 * vLLM and Triton endpoints become the deployments of the `local` model, followed by the default
 * chat model's (which answer while a cold workload wakes), and the router's `local` tier sends there.
 */
export function withSelfHostedModels(
  models: GatewayConfigInput,
  serving: ModelServingCluster | undefined,
): GatewayConfigInput {
  if (!serving || serving.localModelEntry().deployments.length === 0) return models;
  const fallback = models.models['chat-default']?.deployments ?? [];
  return {
    ...models,
    models: { ...models.models, local: serving.localModelEntry(fallback) },
    deployments: { ...models.deployments, ...serving.gatewayDeployments() },
    routing: models.routing && { ...models.routing, tiers: { ...models.routing.tiers, local: { model: 'local' } } },
  };
}
