import { Duration, Size } from 'cdk8s';
import { z } from 'zod';
import type { ServingAutoscalingProps } from './gpu-server';
import type { ServingChartsProps, TritonWorkload, VllmWorkload } from './serving-charts';
import { TRITON_FRONTENDS } from './triton-chart';
import { VLLM_DTYPES, VLLM_QUANTIZATIONS } from './vllm-chart';

/**
 * The serving workloads as plain JSON: what a Pulumi stack's config (`llm-serving:serving`) and
 * `npm run manifests -- --spec file.json` take. Sizes and durations are numbers with their unit in
 * the name; everything else is the charts' own props, checked by the charts themselves.
 */
const hubToken = z
  .strictObject({
    secretsManagerSecret: z.string().min(1),
    property: z.string().optional(),
    secretStore: z.string().optional(),
  })
  .optional();
const demandSignal = {
  redisAddress: z.string().min(1),
  enableTls: z.boolean().optional(),
  redisPrefix: z.string().optional(),
};

const common = {
  name: z.string(),
  image: z.string().optional(),
  gpusPerNode: z.int(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  cpu: z.number().positive().optional(),
  memoryGiB: z.number().positive().optional(),
  sharedMemoryGiB: z.number().positive().optional(),
  cacheVolumeGiB: z.number().positive().optional(),
  huggingFaceToken: hubToken,
  startupTimeoutMinutes: z.number().positive().optional(),
  env: z.record(z.string(), z.string()).optional(),
  extraArgs: z.array(z.string()).optional(),
  autoscaling: z
    .strictObject({
      minReplicas: z.int().optional(),
      maxReplicas: z.int().optional(),
      scaleOnGpuUtilization: z.boolean().optional(),
      gpuUtilizationTargetPercent: z.int().optional(),
      pollingIntervalSeconds: z.int().positive().optional(),
      scaleDownStabilizationMinutes: z.number().positive().optional(),
      idleBeforeZeroMinutes: z.number().positive().optional(),
    })
    .optional(),
};

export const servingSpecSchema = z.strictObject({
  namespace: z.string().optional(),
  serviceAccountName: z.string().optional(),
  serviceAccountAnnotations: z.record(z.string(), z.string()).optional(),
  prometheusServerAddress: z.string().min(1),
  loadBalancer: z
    .strictObject({ securityGroupIds: z.array(z.string()), subnetIds: z.array(z.string()).optional() })
    .optional(),
  modelBucket: z.strictObject({ bucketName: z.string().min(1), region: z.string().min(1) }).optional(),
  demandSignal: z
    .strictObject({
      ...demandSignal,
      credentials: z
        .strictObject({ secretsManagerSecret: z.string().min(1), secretStore: z.string().optional() })
        .optional(),
    })
    .optional(),
  vllm: z
    .array(
      z.strictObject({
        ...common,
        model: z.string(),
        modelPrefix: z.string().optional(),
        quantization: z.enum(VLLM_QUANTIZATIONS).optional(),
        dtype: z.enum(VLLM_DTYPES).optional(),
        tensorParallelSize: z.int().optional(),
        maxModelLen: z.int().optional(),
        gpuMemoryUtilization: z.number().optional(),
        targetWaitingRequestsPerReplica: z.int().optional(),
        targetKvCacheUsage: z.number().optional(),
      }),
    )
    .default([]),
  triton: z
    .array(
      z.strictObject({
        ...common,
        model: z.string(),
        modelRepositoryPrefix: z.string(),
        tokenizerPrefix: z.string().optional(),
        tokenizer: z.string().optional(),
        frontend: z.enum(TRITON_FRONTENDS).optional(),
        gpusPerReplica: z.int().optional(),
        targetQueueMillis: z.int().optional(),
        targetPendingRequestsPerReplica: z.int().optional(),
      }),
    )
    .default([]),
});
export type ServingSpec = z.input<typeof servingSpecSchema>;

type CommonSpec = {
  memoryGiB?: number;
  sharedMemoryGiB?: number;
  cacheVolumeGiB?: number;
  startupTimeoutMinutes?: number;
  autoscaling?: z.output<typeof servingSpecSchema>['vllm'][number]['autoscaling'];
};

function units<T extends CommonSpec>(workload: T) {
  const { memoryGiB, sharedMemoryGiB, cacheVolumeGiB, startupTimeoutMinutes, autoscaling, ...rest } = workload;
  const scaling: ServingAutoscalingProps | undefined = autoscaling && {
    minReplicas: autoscaling.minReplicas,
    maxReplicas: autoscaling.maxReplicas,
    scaleOnGpuUtilization: autoscaling.scaleOnGpuUtilization,
    gpuUtilizationTargetPercent: autoscaling.gpuUtilizationTargetPercent,
    pollingInterval:
      autoscaling.pollingIntervalSeconds === undefined
        ? undefined
        : Duration.seconds(autoscaling.pollingIntervalSeconds),
    scaleDownStabilization:
      autoscaling.scaleDownStabilizationMinutes === undefined
        ? undefined
        : Duration.seconds(Math.round(autoscaling.scaleDownStabilizationMinutes * 60)),
    idleBeforeZero:
      autoscaling.idleBeforeZeroMinutes === undefined
        ? undefined
        : Duration.seconds(Math.round(autoscaling.idleBeforeZeroMinutes * 60)),
  };
  return {
    ...rest,
    memory: memoryGiB === undefined ? undefined : Size.mebibytes(Math.round(memoryGiB * 1024)),
    sharedMemory: sharedMemoryGiB === undefined ? undefined : Size.mebibytes(Math.round(sharedMemoryGiB * 1024)),
    cacheVolumeSize: cacheVolumeGiB === undefined ? undefined : Size.gibibytes(cacheVolumeGiB),
    startupTimeout: startupTimeoutMinutes === undefined ? undefined : Duration.minutes(startupTimeoutMinutes),
    autoscaling: scaling,
  };
}

/** Parses a serving spec (throwing with every bad field's path) into the charts' props. */
export function servingChartsPropsFromSpec(input: unknown): ServingChartsProps {
  const result = servingSpecSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `  - ${issue.path.join('.') || '(the spec)'}: ${issue.message.replace(/^Invalid input: /, '')}`,
    );
    throw new Error(`Invalid serving spec:\n${problems.join('\n')}`);
  }
  const spec = result.data;
  return {
    namespace: spec.namespace,
    serviceAccountName: spec.serviceAccountName,
    serviceAccountAnnotations: spec.serviceAccountAnnotations,
    prometheusServerAddress: spec.prometheusServerAddress,
    loadBalancer: spec.loadBalancer,
    modelBucket: spec.modelBucket,
    demandSignal: spec.demandSignal,
    vllm: spec.vllm.map((workload): VllmWorkload => units(workload)),
    triton: spec.triton.map((workload): TritonWorkload => units(workload)),
  };
}
