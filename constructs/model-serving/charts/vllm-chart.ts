import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GpuServer, type GpuServerOptions } from './gpu-server';
import { modelPathOf } from './offline-models';
import { checkInteger, checkOneOf, ServingPropsError } from './validate';

/** Quantization methods of vLLM's `--quantization` this chart accepts (`none`: the checkpoint's own dtype). */
export const VLLM_QUANTIZATIONS = [
  'none',
  'awq',
  'awq_marlin',
  'gptq',
  'gptq_marlin',
  'fp8',
  'compressed-tensors',
  'bitsandbytes',
] as const;
export type VllmQuantization = (typeof VLLM_QUANTIZATIONS)[number];

/** Weight and activation precision (`--dtype`); FP16 serving is `float16` with no quantization. */
export const VLLM_DTYPES = ['auto', 'float16', 'bfloat16'] as const;
export type VllmDtype = (typeof VLLM_DTYPES)[number];

/** The vLLM OpenAI-compatible server image the chart runs unless told otherwise. */
export const VLLM_DEFAULT_IMAGE = 'vllm/vllm-openai:v0.11.0';
export const VLLM_PORT = 8000;

export interface VllmServerOptions extends GpuServerOptions {
  /**
   * The model name clients (and the gateway) send as `model`, and the Hugging Face repository vLLM
   * loads when there is no `modelPrefix` (which then needs `huggingFaceToken`).
   */
  readonly model: string;
  /**
   * Key prefix of the weights (and tokenizer) in the model bucket, read from the shared mount.
   * @default - vLLM fetches `model` from the Hub, with `huggingFaceToken` (synth refuses it without one)
   */
  readonly modelPrefix?: string;
  /** @default 'none' */
  readonly quantization?: VllmQuantization;
  /** @default 'auto' */
  readonly dtype?: VllmDtype;
  /**
   * GPUs one replica shards the model across (`--tensor-parallel-size`); the replica requests this many.
   * @default 1
   */
  readonly tensorParallelSize?: number;
  /** Context length (`--max-model-len`). @default - the model's own */
  readonly maxModelLen?: number;
  /** Share of each GPU's memory vLLM may take for weights and KV cache. @default 0.9 */
  readonly gpuMemoryUtilization?: number;
  /**
   * Scale out when more than this many requests wait per replica (`vllm:num_requests_waiting`).
   * @default 5
   */
  readonly targetWaitingRequestsPerReplica?: number;
  /**
   * Scale out when the KV cache is fuller than this on average (`vllm:kv_cache_usage_perc`, 0-1).
   * @default 0.85
   */
  readonly targetKvCacheUsage?: number;
  /** More `vllm serve` flags, appended as given. @default - none */
  readonly extraArgs?: readonly string[];
}

export interface VllmChartProps extends ChartProps, VllmServerOptions {
  /** The namespace of every object of the chart. */
  readonly namespace: string;
}

/**
 * vLLM's OpenAI-compatible server on GPU nodes: one Deployment with its Service, PodDisruptionBudget,
 * KEDA ScaledObject on the waiting queue, KV cache and GPU utilisation, and optionally an internal
 * load balancer. The same class is synthesized by the CDK construct, the Pulumi program and
 * `npm run manifests`.
 */
export class VllmChart extends Chart {
  readonly server: GpuServer;
  /** The model name clients send. */
  readonly servedModelName: string;
  readonly port = VLLM_PORT;

  constructor(scope: Construct, id: string, props: VllmChartProps) {
    super(scope, id, { ...props, namespace: props.namespace });
    const name = props.name;
    const quantization = checkOneOf(name, 'quantization', props.quantization ?? 'none', VLLM_QUANTIZATIONS);
    const dtype = checkOneOf(name, 'dtype', props.dtype ?? 'auto', VLLM_DTYPES);
    const tensorParallelSize = props.tensorParallelSize ?? 1;
    checkInteger(name, 'tensorParallelSize', tensorParallelSize, 1, 16);
    if (props.maxModelLen !== undefined) checkInteger(name, 'maxModelLen', props.maxModelLen, 256);
    const gpuMemoryUtilization = props.gpuMemoryUtilization ?? 0.9;
    if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
      throw new ServingPropsError(
        name,
        `gpuMemoryUtilization is ${gpuMemoryUtilization}; it must be a share of GPU memory above 0 and at most 1, e.g. 0.9`,
      );
    }
    const waiting = props.targetWaitingRequestsPerReplica ?? 5;
    checkInteger(name, 'targetWaitingRequestsPerReplica', waiting, 1);
    const kvCache = props.targetKvCacheUsage ?? 0.85;
    if (!(kvCache > 0 && kvCache <= 1)) {
      throw new ServingPropsError(name, `targetKvCacheUsage is ${kvCache}; it must be above 0 and at most 1`);
    }
    if (!props.model.trim()) throw new ServingPropsError(name, 'model is empty; give the model id clients will send');

    this.servedModelName = props.model;
    const model = modelPathOf({
      workload: name,
      field: 'model',
      bucketField: 'modelPrefix',
      bucketPrefix: props.modelPrefix,
      hubRepository: props.model,
      bucketMounted: props.modelBucketClaim !== undefined,
      token: props.huggingFaceToken,
    });
    const args = [
      '--model',
      model.path,
      '--served-model-name',
      props.model,
      '--host',
      '0.0.0.0',
      '--port',
      String(VLLM_PORT),
      '--tensor-parallel-size',
      String(tensorParallelSize),
      '--gpu-memory-utilization',
      String(gpuMemoryUtilization),
      '--dtype',
      dtype,
      ...(quantization === 'none' ? [] : ['--quantization', quantization]),
      ...(props.maxModelLen ? ['--max-model-len', String(props.maxModelLen)] : []),
      ...(props.extraArgs ?? []),
    ];

    this.server = new GpuServer(this, 'Server', {
      ...props,
      server: 'vllm',
      namespace: props.namespace,
      defaultImage: VLLM_DEFAULT_IMAGE,
      gpus: tensorParallelSize,
      gpusField: 'tensorParallelSize',
      // The image's entrypoint is the OpenAI-compatible API server; these are its flags.
      args,
      ports: [{ name: 'http', number: VLLM_PORT }],
      servingPort: VLLM_PORT,
      healthPath: '/health',
      healthPort: VLLM_PORT,
      metricsPath: '/metrics',
      metricsPort: VLLM_PORT,
      env: { VLLM_CACHE_ROOT: '/cache/vllm', VLLM_NO_USAGE_STATS: '1', DO_NOT_TRACK: '1', ...props.env },
      fromHub: model.fromHub,
      loadTriggers: (selector) => [
        {
          name: 'waiting-requests',
          query: `sum(vllm:num_requests_waiting{${selector}})`,
          threshold: waiting,
          metricType: 'AverageValue',
        },
        {
          name: 'kv-cache-usage',
          query: `avg(vllm:kv_cache_usage_perc{${selector}})`,
          threshold: kvCache,
          metricType: 'Value',
        },
      ],
    });
  }
}
