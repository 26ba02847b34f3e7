import { App, Duration, Size, Testing } from 'cdk8s';
import {
  addServingCharts,
  TritonChart,
  VllmChart,
  type ServingChartsProps,
  type TritonChartProps,
  type VllmChartProps,
} from '../../constructs/model-serving/charts';
import { manifestSchemaErrors, schemaErrors, type KubernetesObject } from '../support/kubernetes-schemas';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROMETHEUS = 'http://prometheus-server.monitoring.svc';
const CLAIM = 'model-bucket';

function vllm(props: Partial<VllmChartProps> = {}): Obj[] {
  const chart = new VllmChart(Testing.app(), 'vllm', {
    name: 'llama',
    namespace: 'serving',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    modelPrefix: 'llama-3.1-8b-awq/',
    modelBucketClaim: CLAIM,
    gpusPerNode: 4,
    prometheusServerAddress: PROMETHEUS,
    ...props,
  });
  return Testing.synth(chart);
}

function triton(props: Partial<TritonChartProps> = {}): Obj[] {
  const chart = new TritonChart(Testing.app(), 'triton', {
    name: 'triton-llama',
    namespace: 'serving',
    model: 'llama-3.1-8b-instruct',
    tokenizerPrefix: 'tokenizers/llama-3.1-8b-instruct/',
    modelRepositoryPrefix: 'triton/',
    modelBucketClaim: CLAIM,
    gpusPerNode: 1,
    prometheusServerAddress: PROMETHEUS,
    ...props,
  });
  return Testing.synth(chart);
}

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: Obj[], kind: string, name?: string) => {
  const found = byKind(objects, kind).filter((o) => name === undefined || o.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};
const podSpec = (objects: Obj[]) => one(objects, 'Deployment').spec.template.spec;
const server = (objects: Obj[]) => podSpec(objects).containers[0];

describe('VllmChart', () => {
  const objects = vllm({
    quantization: 'awq',
    tensorParallelSize: 2,
    maxModelLen: 16384,
    gpuMemoryUtilization: 0.92,
    startupTimeout: Duration.minutes(40),
    autoscaling: { minReplicas: 2, maxReplicas: 6 },
    nodeSelector: { 'llm-platform/node-group': 'gpu-a10g' },
    loadBalancer: { securityGroupIds: ['sg-0123'], subnetIds: ['subnet-a', 'subnet-b'] },
  });

  test('requests and limits as many GPUs as the tensor-parallel size', () => {
    const { resources } = server(objects);
    expect(resources.limits['nvidia.com/gpu']).toBe('2');
    expect(resources.requests['nvidia.com/gpu']).toBe('2');
    expect(resources.requests.memory).toBe(resources.limits.memory);
  });

  test('passes model, quantization, parallelism, context length and memory share to vLLM', () => {
    const args: string[] = server(objects).args;
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag('--model')).toBe('/models/llama-3.1-8b-awq');
    expect(flag('--served-model-name')).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(flag('--quantization')).toBe('awq');
    expect(flag('--tensor-parallel-size')).toBe('2');
    expect(flag('--max-model-len')).toBe('16384');
    expect(flag('--gpu-memory-utilization')).toBe('0.92');
  });

  test('runs only on the chosen GPU nodes and tolerates their taint', () => {
    const spec = podSpec(objects);
    expect(spec.nodeSelector).toEqual({ 'llm-platform/node-group': 'gpu-a10g' });
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone' });
  });

  test('mounts a memory-backed /dev/shm, a local cache, and the model bucket read-only', () => {
    const spec = podSpec(objects);
    const shm = spec.volumes.find((v: Obj) => v.name === 'dshm');
    expect(shm.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '4096Mi' });
    expect(spec.volumes.find((v: Obj) => v.name === 'models')).toEqual({
      name: 'models',
      persistentVolumeClaim: { claimName: CLAIM, readOnly: true },
    });
    expect(server(objects).volumeMounts.map((m: Obj) => [m.mountPath, m.readOnly ?? false])).toEqual([
      ['/dev/shm', false],
      ['/cache', false],
      ['/models', true],
    ]);
  });

  test('starts offline from the bucket: no init container, no Hub access', () => {
    expect(podSpec(objects).initContainers).toBeUndefined();
    expect(server(objects).env).toEqual(
      expect.arrayContaining([
        { name: 'HF_HUB_OFFLINE', value: '1' },
        { name: 'TRANSFORMERS_OFFLINE', value: '1' },
      ]),
    );
    expect(server(objects).env.map((e: Obj) => e.name)).not.toContain('HF_TOKEN');
    expect(podSpec(objects).serviceAccountName).toBe('model-server');
  });

  test('probes give the model its whole startup timeout to load, then check readiness often', () => {
    const container = server(objects);
    const startup = container.startupProbe;
    expect(startup.httpGet).toMatchObject({ path: '/health', port: 8000 });
    expect(startup.failureThreshold * startup.periodSeconds).toBeGreaterThanOrEqual(40 * 60);
    expect(container.readinessProbe.periodSeconds).toBe(10);
    expect(container.livenessProbe.failureThreshold * container.livenessProbe.periodSeconds).toBeLessThan(300);
    // A rollout is not declared stuck while a replica may still be loading.
    expect(one(objects, 'Deployment').spec.progressDeadlineSeconds).toBeGreaterThan(40 * 60);
  });

  test('runs as a non-root user with no privileges, and the replica count is left to the autoscaler', () => {
    const container = server(objects);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(one(objects, 'Deployment').spec.replicas).toBeUndefined();
    expect(one(objects, 'Deployment').spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  test('a PodDisruptionBudget lets drains take one replica at a time', () => {
    const pdb = one(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'llama' } },
    });
  });

  test('an internal ClusterIP Service and an internal NLB behind the given security group', () => {
    const service = one(objects, 'Service', 'llama');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000 }]);
    const lb = one(objects, 'Service', 'llama-internal');
    expect(lb.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb' });
    expect(lb.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
      'service.beta.kubernetes.io/aws-load-balancer-security-groups': 'sg-0123',
      'service.beta.kubernetes.io/aws-load-balancer-subnets': 'subnet-a,subnet-b',
    });
    expect(JSON.stringify(lb)).not.toContain('internet-facing');
  });

  test('a KEDA ScaledObject scales the Deployment between the given bounds on vLLM queue, KV cache and GPU load', () => {
    const scaled = one(objects, 'ScaledObject');
    expect(scaled.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'llama' },
      minReplicaCount: 2,
      maxReplicaCount: 6,
    });
    const triggers = scaled.spec.triggers as Obj[];
    expect(triggers.map((t) => [t.name, t.metricType, t.metadata.threshold])).toEqual([
      ['waiting-requests', 'AverageValue', '5'],
      ['kv-cache-usage', 'Value', '0.85'],
      ['gpu-utilization', 'Value', '90'],
    ]);
    const selector = 'namespace="serving",pod=~"llama-[a-z0-9]+-[a-z0-9]+"';
    expect(triggers[0].metadata.query).toBe(`sum(vllm:num_requests_waiting{${selector}})`);
    expect(triggers[2].metadata.query).toBe(`avg(DCGM_FI_DEV_GPU_UTIL{${selector}})`);
    expect(triggers.every((t) => t.type === 'prometheus' && t.metadata.serverAddress === PROMETHEUS)).toBe(true);
    expect(scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
  });

  test('scrape annotations point Prometheus at the metrics endpoint', () => {
    expect(one(objects, 'Deployment').spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8000',
      'prometheus.io/path': '/metrics',
    });
  });

  test('defaults: one GPU, 1 to 2 replicas, no load balancer', () => {
    const defaults = vllm();
    expect(server(defaults).args.slice(0, 2)).toEqual(['--model', '/models/llama-3.1-8b-awq']);
    expect(server(defaults).args).not.toContain('--quantization');
    expect(server(defaults).resources.limits['nvidia.com/gpu']).toBe('1');
    expect(podSpec(defaults).initContainers).toBeUndefined();
    expect(podSpec(defaults).nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(one(defaults, 'ScaledObject').spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 2 });
    expect(byKind(defaults, 'Service')).toHaveLength(1);
  });

  test('GPU utilisation can be left out of the triggers', () => {
    const objects = vllm({ autoscaling: { scaleOnGpuUtilization: false } });
    expect(one(objects, 'ScaledObject').spec.triggers.map((t: Obj) => t.name)).toEqual([
      'waiting-requests',
      'kv-cache-usage',
    ]);
  });
});

describe('TritonChart', () => {
  const objects = triton({ autoscaling: { minReplicas: 1, maxReplicas: 4 }, targetQueueMillis: 50 });

  test('runs the OpenAI-compatible frontend with the KServe HTTP and gRPC frontends beside it', () => {
    const container = server(objects);
    expect(container.command.slice(0, 2)).toEqual([
      'python3',
      '/opt/tritonserver/python/openai/openai_frontend/main.py',
    ]);
    expect(container.command).toEqual(
      expect.arrayContaining(['--model-repository', '/models/triton', '--enable-kserve-frontends']),
    );
    expect(container.ports).toEqual([
      { name: 'openai', containerPort: 9000 },
      { name: 'http', containerPort: 8000 },
      { name: 'grpc', containerPort: 8001 },
    ]);
    expect(one(objects, 'Service').spec.ports.map((p: Obj) => p.port)).toEqual([9000, 8000, 8001]);
    expect(container.startupProbe.httpGet).toMatchObject({ path: '/health/ready', port: 9000 });
  });

  test('reads the model repository and tokenizer from the bucket mount, offline, and schedules like vLLM', () => {
    const command: string[] = server(objects).command;
    expect(command[command.indexOf('--model-repository') + 1]).toBe('/models/triton');
    expect(command[command.indexOf('--tokenizer') + 1]).toBe('/models/tokenizers/llama-3.1-8b-instruct');
    expect(podSpec(objects).initContainers).toBeUndefined();
    expect(server(objects).env).toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
    expect(server(objects).resources.limits['nvidia.com/gpu']).toBe('1');
    expect(podSpec(objects).tolerations[0]).toMatchObject({ key: 'nvidia.com/gpu', effect: 'NoSchedule' });
    expect(podSpec(objects).volumes.find((v: Obj) => v.name === 'dshm').emptyDir.medium).toBe('Memory');
    one(objects, 'PodDisruptionBudget');
  });

  test('scales on Triton queue time and pending requests', () => {
    const scaled = one(objects, 'ScaledObject');
    expect(scaled.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 4 });
    const [queue, pending] = scaled.spec.triggers as Obj[];
    expect(queue).toMatchObject({ name: 'queue-duration', metricType: 'Value', metadata: { threshold: '50000' } });
    expect(queue.metadata.query).toContain('rate(nv_inference_queue_duration_us{namespace="serving"');
    expect(pending).toMatchObject({ name: 'pending-requests', metricType: 'AverageValue' });
  });

  test('the kserve frontend runs tritonserver with HTTP, gRPC and metrics ports', () => {
    const objects = triton({ frontend: 'kserve', tokenizerPrefix: undefined });
    const container = server(objects);
    expect(container.command[0]).toBe('tritonserver');
    expect(container.ports.map((p: Obj) => p.containerPort)).toEqual([8000, 8001, 8002]);
    expect(one(objects, 'Deployment').spec.template.metadata.annotations['prometheus.io/port']).toBe('8002');
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/v2/health/ready', port: 8000 });
  });
});

describe('bad props are refused with what was given and what to do', () => {
  test.each<[string, () => unknown, RegExp]>([
    [
      'tensor parallelism beyond one node',
      () => vllm({ tensorParallelSize: 8, gpusPerNode: 4 }),
      /"llama": tensorParallelSize is 8 but the nodes it runs on have 4 GPUs each.*at most 4/,
    ],
    [
      'an unknown quantization',
      () => vllm({ quantization: 'int3' as never }),
      /quantization is "int3"; it must be one of "none", "awq"/,
    ],
    [
      'min above max',
      () => vllm({ autoscaling: { minReplicas: 3, maxReplicas: 2 } }),
      /minReplicas \(3\) is greater than autoscaling.maxReplicas \(2\)/,
    ],
    [
      'scale to zero with nothing to wake it',
      () => vllm({ autoscaling: { minReplicas: 0 } }),
      /minReplicas is 0 but nothing could wake the workload.*Give wakeOnDemand/,
    ],
    [
      'a negative replica floor',
      () => vllm({ autoscaling: { minReplicas: -1 } }),
      /minReplicas is -1; it must be a whole number of at least 0/,
    ],
    ['a GPU memory share above 1', () => vllm({ gpuMemoryUtilization: 1.5 }), /gpuMemoryUtilization is 1.5/],
    ['an invalid name', () => vllm({ name: 'Llama_8B' }), /name is "Llama_8B"; it must be 1-40 lower-case/],
    [
      'a startup timeout too short for a model',
      () => vllm({ startupTimeout: Duration.seconds(30) }),
      /startupTimeout is 30 s/,
    ],
    [
      'more Triton GPUs than a node has',
      () => triton({ gpusPerReplica: 2, gpusPerNode: 1 }),
      /gpusPerReplica is 2 but the nodes it runs on have 1 GPUs each/,
    ],
    [
      'the OpenAI frontend without a tokenizer',
      () => triton({ tokenizerPrefix: undefined }),
      /needs a tokenizer for its chat template: tokenizerPrefix .* or tokenizer/,
    ],
    [
      'a bucket prefix with no bucket mounted',
      () => vllm({ modelBucketClaim: undefined }),
      /modelPrefix is "llama-3.1-8b-awq\/" but no model bucket is mounted/,
    ],
    [
      'a load balancer with no security group',
      () => vllm({ loadBalancer: { securityGroupIds: [] } }),
      /loadBalancer.securityGroupIds is empty/,
    ],
    [
      'a load balancer in front of the KServe frontend',
      () => triton({ frontend: 'kserve', loadBalancer: { securityGroupIds: ['sg-1'] } }),
      /only the "openai" frontend has/,
    ],
  ])('%s', (_case, build, message) => {
    expect(build).toThrow(message);
  });

  test('two workloads with one name', () => {
    expect(() =>
      addServingCharts(new App(), {
        prometheusServerAddress: PROMETHEUS,
        vllm: [{ name: 'llama', model: 'a', gpusPerNode: 1 }],
        triton: [{ name: 'llama', model: 'b', frontend: 'kserve', gpusPerNode: 1, modelRepositoryPrefix: 't/' }],
      }),
    ).toThrow(/"llama": the name is used by more than one workload/);
  });
});

describe('every synthesized manifest is valid Kubernetes', () => {
  const props: ServingChartsProps = {
    prometheusServerAddress: PROMETHEUS,
    loadBalancer: { securityGroupIds: ['sg-1'] },
    modelBucket: { bucketName: 'weights-bucket', region: 'eu-west-1' },
    demandSignal: {
      redisAddress: 'cache.example.internal:6379',
      credentials: { secretsManagerSecret: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:redis-AbCdEf' },
    },
    vllm: [
      {
        name: 'llama',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        gpusPerNode: 1,
        modelPrefix: 'llama/',
        autoscaling: { minReplicas: 0 },
      },
      {
        name: 'qwen-awq',
        model: 'Qwen/Qwen2.5-32B-Instruct-AWQ',
        quantization: 'awq_marlin',
        dtype: 'float16',
        tensorParallelSize: 4,
        gpusPerNode: 4,
        memory: Size.gibibytes(96),
        huggingFaceToken: { secretsManagerSecret: 'hf-token' },
      },
    ],
    triton: [
      {
        name: 'triton-llama',
        model: 'llama',
        tokenizerPrefix: 'tokenizers/llama/',
        gpusPerNode: 1,
        modelRepositoryPrefix: 'triton/',
      },
      { name: 'triton-kserve', model: 'resnet', frontend: 'kserve', gpusPerNode: 1, modelRepositoryPrefix: 'resnet/' },
    ],
  };

  test('against the Kubernetes and KEDA CRD schemas', () => {
    const app = new App();
    const charts = addServingCharts(app, props);
    const manifests = charts.all.flatMap((chart) => chart.toJson()) as KubernetesObject[];
    expect(new Set(manifests.map((m) => m.kind))).toEqual(
      new Set([
        'Namespace',
        'ServiceAccount',
        'PersistentVolume',
        'PersistentVolumeClaim',
        'ExternalSecret',
        'TriggerAuthentication',
        'Deployment',
        'Service',
        'PodDisruptionBudget',
        'ScaledObject',
      ]),
    );
    expect(manifestSchemaErrors(manifests)).toEqual([]);
  });

  test('the validation bites: a wrong type, a missing field and an unknown kind are reported', () => {
    const manifests = addServingCharts(new App(), props).vllm[0].toJson();
    const deployment = structuredClone(manifests.find((m: Obj) => m.kind === 'Deployment'));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = '8000';
    const scaled = structuredClone(manifests.find((m: Obj) => m.kind === 'ScaledObject'));
    delete scaled.spec.scaleTargetRef;
    expect(schemaErrors(deployment)).toEqual([expect.stringMatching(/containerPort must be integer/)]);
    expect(schemaErrors(scaled)).toEqual([expect.stringMatching(/must have required property scaleTargetRef/)]);
    expect(schemaErrors({ apiVersion: 'example.com/v1', kind: 'Widget' })).toEqual([
      expect.stringMatching(/no schema for this kind/),
    ]);
  });
});
