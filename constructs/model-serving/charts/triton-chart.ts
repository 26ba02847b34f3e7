import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GpuServer, type ContainerPortSpec, type GpuServerOptions } from './gpu-server';
import { modelPathOf } from './offline-models';
import { checkInteger, checkOneOf, ServingPropsError } from './validate';

/**
 * `openai`: Triton in-process behind its OpenAI-compatible frontend (port 9000), with the KServe
 * HTTP/gRPC frontends beside it; the gateway talks to this one.
 * `kserve`: the plain `tritonserver` binary (HTTP, gRPC and metrics ports), for KServe v2 clients.
 */
export const TRITON_FRONTENDS = ['openai', 'kserve'] as const;
export type TritonFrontend = (typeof TRITON_FRONTENDS)[number];

/** The Triton image the chart runs unless told otherwise: it carries the vLLM backend and the OpenAI frontend. */
export const TRITON_DEFAULT_IMAGE = 'nvcr.io/nvidia/tritonserver:25.06-vllm-python-py3';
export const TRITON_PORTS = { openai: 9000, http: 8000, grpc: 8001, metrics: 8002 } as const;
const OPENAI_FRONTEND_MAIN = '/opt/tritonserver/python/openai/openai_frontend/main.py';

export interface TritonServerOptions extends GpuServerOptions {
  /**
   * Key prefix of the model repository (one folder per model, with its `config.pbtxt`) in the model
   * bucket, read from the shared mount.
   */
  readonly modelRepositoryPrefix: string;
  /** The repository's model that clients (and the gateway) name as `model`. */
  readonly model: string;
  /**
   * Key prefix of the tokenizer (whose chat template the OpenAI frontend applies) in the model
   * bucket. The `openai` frontend needs it or `tokenizer`.
   * @default - `tokenizer`
   */
  readonly tokenizerPrefix?: string;
  /**
   * The tokenizer's Hugging Face repository, fetched at start: needs `huggingFaceToken` (synth
   * refuses it without one). Prefer a copy in the bucket (`tokenizerPrefix`).
   * @default - none
   */
  readonly tokenizer?: string;
  /** @default 'openai' */
  readonly frontend?: TritonFrontend;
  /** GPUs each replica gets. @default 1 */
  readonly gpusPerReplica?: number;
  /**
   * Scale out when requests wait longer than this in Triton's queue on average
   * (`nv_inference_queue_duration_us` over `nv_inference_request_success`).
   * @default 100
   */
  readonly targetQueueMillis?: number;
  /**
   * Scale out when more than this many requests are pending per replica (`nv_inference_pending_request_count`).
   * @default 5
   */
  readonly targetPendingRequestsPerReplica?: number;
  /** More server flags, appended as given. @default - none */
  readonly extraArgs?: readonly string[];
}

export interface TritonChartProps extends ChartProps, TritonServerOptions {
  readonly namespace: string;
}

/**
 * NVIDIA Triton Inference Server on GPU nodes, its model repository copied from S3: the same
 * scheduling, probes, disruption budget and queue-driven autoscaling as the vLLM chart.
 */
export class TritonChart extends Chart {
  readonly server: GpuServer;
  readonly servedModelName: string;
  readonly frontend: TritonFrontend;
  /** The port of the OpenAI-compatible API, when that frontend runs. */
  readonly port: number;

  constructor(scope: Construct, id: string, props: TritonChartProps) {
    super(scope, id, { ...props, namespace: props.namespace });
    const name = props.name;
    this.frontend = checkOneOf(name, 'frontend', props.frontend ?? 'openai', TRITON_FRONTENDS);
    const gpus = props.gpusPerReplica ?? 1;
    checkInteger(name, 'gpusPerReplica', gpus, 1, 16);
    const queueMillis = props.targetQueueMillis ?? 100;
    checkInteger(name, 'targetQueueMillis', queueMillis, 1);
    const pending = props.targetPendingRequestsPerReplica ?? 5;
    checkInteger(name, 'targetPendingRequestsPerReplica', pending, 1);
    if (!props.model.trim())
      throw new ServingPropsError(name, 'model is empty; name the repository model clients will send');
    if (this.frontend === 'openai' && !props.tokenizer && props.tokenizerPrefix === undefined) {
      throw new ServingPropsError(
        name,
        'the openai frontend needs a tokenizer for its chat template: tokenizerPrefix (its copy in the model bucket) ' +
          'or tokenizer (a Hugging Face repository, with huggingFaceToken); give one, or use frontend "kserve"',
      );
    }
    this.servedModelName = props.model;
    const mounted = props.modelBucketClaim !== undefined;
    const repository = modelPathOf({
      workload: name,
      field: 'modelRepositoryPrefix',
      bucketField: 'modelRepositoryPrefix',
      bucketPrefix: props.modelRepositoryPrefix,
      bucketMounted: mounted,
    }).path;
    const tokenizer = modelPathOf({
      workload: name,
      field: 'tokenizer',
      bucketField: 'tokenizerPrefix',
      bucketPrefix: props.tokenizerPrefix,
      hubRepository: props.tokenizer,
      bucketMounted: mounted,
      token: props.huggingFaceToken,
    });

    let command: string[];
    let ports: ContainerPortSpec[];
    let health: { path: string; port: number };
    let metrics: { path: string; port: number };
    if (this.frontend === 'openai') {
      command = [
        'python3',
        OPENAI_FRONTEND_MAIN,
        '--model-repository',
        repository,
        '--tokenizer',
        tokenizer.path,
        '--host',
        '0.0.0.0',
        '--openai-port',
        String(TRITON_PORTS.openai),
        '--enable-kserve-frontends',
        '--kserve-http-port',
        String(TRITON_PORTS.http),
        '--kserve-grpc-port',
        String(TRITON_PORTS.grpc),
      ];
      ports = [
        { name: 'openai', number: TRITON_PORTS.openai },
        { name: 'http', number: TRITON_PORTS.http },
        { name: 'grpc', number: TRITON_PORTS.grpc },
      ];
      // The OpenAI frontend serves Triton's Prometheus metrics and its readiness on its own port.
      health = { path: '/health/ready', port: TRITON_PORTS.openai };
      metrics = { path: '/metrics', port: TRITON_PORTS.openai };
      this.port = TRITON_PORTS.openai;
    } else {
      command = [
        'tritonserver',
        `--model-repository=${repository}`,
        `--http-port=${TRITON_PORTS.http}`,
        `--grpc-port=${TRITON_PORTS.grpc}`,
        `--metrics-port=${TRITON_PORTS.metrics}`,
      ];
      ports = [
        { name: 'http', number: TRITON_PORTS.http },
        { name: 'grpc', number: TRITON_PORTS.grpc },
        { name: 'metrics', number: TRITON_PORTS.metrics },
      ];
      health = { path: '/v2/health/ready', port: TRITON_PORTS.http };
      metrics = { path: '/metrics', port: TRITON_PORTS.metrics };
      this.port = TRITON_PORTS.http;
    }
    if (props.loadBalancer && this.frontend !== 'openai') {
      throw new ServingPropsError(
        name,
        'loadBalancer exposes the OpenAI-compatible port, which only the "openai" frontend has; remove loadBalancer or use frontend "openai"',
      );
    }

    this.server = new GpuServer(this, 'Server', {
      ...props,
      server: 'triton',
      namespace: props.namespace,
      defaultImage: TRITON_DEFAULT_IMAGE,
      gpus,
      gpusField: 'gpusPerReplica',
      command: [...command, ...(props.extraArgs ?? [])],
      args: [],
      ports,
      servingPort: this.port,
      healthPath: health.path,
      healthPort: health.port,
      metricsPath: metrics.path,
      metricsPort: metrics.port,
      fromHub: this.frontend === 'openai' && tokenizer.fromHub,
      loadTriggers: (selector) => [
        {
          name: 'queue-duration',
          // Microseconds each request spent queued, on average over the last minute.
          query:
            `sum(rate(nv_inference_queue_duration_us{${selector}}[1m])) / ` +
            `clamp_min(sum(rate(nv_inference_request_success{${selector}}[1m])), 0.001)`,
          threshold: queueMillis * 1000,
          metricType: 'Value',
        },
        {
          name: 'pending-requests',
          query: `sum(nv_inference_pending_request_count{${selector}})`,
          threshold: pending,
          metricType: 'AverageValue',
        },
      ],
    });
  }
}
