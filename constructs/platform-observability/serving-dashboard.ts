import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** Where the self-hosted model servers' metrics are (Container Insights with Prometheus scraping). */
export interface ModelServingMetricsSource {
  /** The EKS cluster, as the `ClusterName` dimension names it. */
  readonly clusterName: string;
  /**
   * The namespace the CloudWatch agent writes the scraped metrics to.
   * @default 'ContainerInsights/Prometheus'
   */
  readonly namespace?: string;
  /**
   * GPU utilisation per GPU (NVIDIA DCGM exporter), in percent.
   * @default 'DCGM_FI_DEV_GPU_UTIL'
   */
  readonly gpuUtilizationMetric?: string;
  /**
   * GPU memory in use per GPU, in MiB.
   * @default 'DCGM_FI_DEV_FB_USED'
   */
  readonly gpuMemoryUsedMetric?: string;
  /**
   * Requests waiting per server: vLLM's and Triton's queue-depth gauges.
   * @default ['vllm:num_requests_waiting', 'nv_inference_pending_request_count']
   */
  readonly queueDepthMetrics?: readonly string[];
  /**
   * Requests being served per server.
   * @default ['vllm:num_requests_running']
   */
  readonly runningRequestsMetrics?: readonly string[];
}

/** The `serving` dashboard's rows: GPU utilisation and memory, queue depth and running requests per server. */
export function servingRows(source: ModelServingMetricsSource): cloudwatch.IWidget[][] {
  const namespace = source.namespace ?? 'ContainerInsights/Prometheus';
  const search = (metric: string, statistic: string) =>
    new cloudwatch.MathExpression({
      expression: `SEARCH('Namespace="${namespace}" MetricName="${metric}" ClusterName="${source.clusterName}"', '${statistic}', 60)`,
      label: '',
      period: Duration.minutes(1),
    });
  const graph = (title: string, metrics: cloudwatch.IMetric[], unit: string) =>
    new cloudwatch.GraphWidget({
      title: `${title} (${source.clusterName})`,
      left: metrics,
      leftYAxis: { label: unit, min: 0, showUnits: false },
      width: 12,
      height: 6,
    });
  return [
    [
      graph('GPU utilisation', [search(source.gpuUtilizationMetric ?? 'DCGM_FI_DEV_GPU_UTIL', 'Average')], '%'),
      graph('GPU memory used', [search(source.gpuMemoryUsedMetric ?? 'DCGM_FI_DEV_FB_USED', 'Average')], 'MiB'),
    ],
    [
      graph(
        'Requests waiting (queue depth)',
        (source.queueDepthMetrics ?? ['vllm:num_requests_waiting', 'nv_inference_pending_request_count']).map((m) =>
          search(m, 'Maximum'),
        ),
        'requests',
      ),
      graph(
        'Requests running',
        (source.runningRequestsMetrics ?? ['vllm:num_requests_running']).map((m) => search(m, 'Average')),
        'requests',
      ),
    ],
  ];
}
