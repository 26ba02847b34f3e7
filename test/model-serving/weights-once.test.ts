import { App } from 'cdk8s';
import { addServingCharts, type ServingChartsProps } from '../../constructs/model-serving/charts';

/**
 * "A scale-out from 1 to 6 replicas downloads nothing", read off the manifests: every replica is the
 * same pod template, so it holds when that template fetches nothing before (or while) its server
 * starts. `downloadsAtStart` lists what would fetch weights per replica; it is shown catching each
 * kind of violation on a pod spec of the old shape.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FETCHERS = /\baws\s+s3\b|s3:\/\/|huggingface-cli|hf\s+download|snapshot_download|\bcurl\b|\bwget\b/;

function downloadsAtStart(spec: Obj, volumes: { claim: string; readOnlyMany: boolean }): string[] {
  const found: string[] = [];
  for (const init of spec.initContainers ?? []) found.push(`init container ${init.name} runs before the server`);
  for (const container of spec.containers) {
    const text = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
    if (FETCHERS.test(text)) found.push(`${container.name} fetches at start: ${text.match(FETCHERS)![0]}`);
    const env = Object.fromEntries((container.env ?? []).map((e: Obj) => [e.name, e.value]));
    if (env.HF_HUB_OFFLINE !== '1')
      found.push(`${container.name} may reach the Hugging Face Hub (HF_HUB_OFFLINE unset)`);
    const models = (container.volumeMounts ?? []).find((m: Obj) => m.mountPath === '/models');
    if (!models) found.push(`${container.name} has no /models mount`);
    else if (!models.readOnly) found.push(`${container.name} mounts /models writable`);
    const volume = spec.volumes.find((v: Obj) => v.name === models?.name);
    if (volume && volume.persistentVolumeClaim?.claimName !== volumes.claim) {
      found.push(
        `/models is a per-pod volume (${Object.keys(volume).filter((k) => k !== 'name')[0]}), filled by each replica`,
      );
    }
    const ephemeral = String(container.resources?.requests?.['ephemeral-storage'] ?? '');
    const gib = /^(\d+)Gi$/.exec(ephemeral);
    if (gib && Number(gib[1]) > 20) {
      found.push(`${container.name} asks for ${ephemeral} of local disk, room for a copy of the weights`);
    }
  }
  if (!volumes.readOnlyMany) found.push('the shared model volume is not ReadOnlyMany');
  return found;
}

const props: ServingChartsProps = {
  prometheusServerAddress: 'http://prometheus',
  modelBucket: { bucketName: 'models', region: 'us-east-1' },
  demandSignal: { redisAddress: 'cache:6379' },
  vllm: [
    {
      name: 'llama-8b',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modelPrefix: 'vllm/llama-3.1-8b-instruct-awq/',
      gpusPerNode: 1,
      autoscaling: { minReplicas: 1, maxReplicas: 6 },
    },
  ],
  triton: [
    {
      name: 'triton-llama-8b',
      model: 'llama-3.1-8b-instruct',
      modelRepositoryPrefix: 'triton/llama-3.1-8b-instruct/',
      tokenizerPrefix: 'tokenizers/llama-3.1-8b-instruct/',
      gpusPerNode: 1,
      autoscaling: { minReplicas: 1, maxReplicas: 6 },
    },
  ],
};
const charts = addServingCharts(new App(), props);
const namespace = charts.namespace.toJson() as Obj[];
const volume = namespace.find((o) => o.kind === 'PersistentVolume')!;
const claim = namespace.find((o) => o.kind === 'PersistentVolumeClaim')!;
const shared = { claim: claim.metadata.name, readOnlyMany: volume.spec.accessModes.join() === 'ReadOnlyMany' };

test.each([...charts.vllm, ...charts.triton].map((chart) => [chart.node.id, chart] as const))(
  '%s: scaling out from 1 to 6 replicas downloads nothing',
  (_name, chart) => {
    const objects = chart.toJson() as Obj[];
    expect(objects.find((o) => o.kind === 'ScaledObject')!.spec).toMatchObject({
      minReplicaCount: 1,
      maxReplicaCount: 6,
    });
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(downloadsAtStart(deployment.spec.template.spec, shared)).toEqual([]);
    // The model path the server is given lies inside the shared mount.
    const server = deployment.spec.template.spec.containers[0];
    const words: string[] = [...(server.command ?? []), ...(server.args ?? [])];
    const paths = words.filter((_word, i) =>
      ['--model', '--model-repository', '--tokenizer'].includes(words[i - 1] ?? ''),
    );
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p) => p.startsWith('/models/'))).toBe(true);
  },
);

test('the shared volume is the model bucket, through Mountpoint, read-only', () => {
  expect(volume.spec).toMatchObject({
    accessModes: ['ReadOnlyMany'],
    claimRef: { name: claim.metadata.name, namespace: 'model-serving' },
    csi: { driver: 's3.csi.aws.com', volumeAttributes: { bucketName: 'models' } },
  });
  expect(volume.spec.mountOptions).toEqual(expect.arrayContaining(['read-only', 'region us-east-1']));
  expect(claim.spec).toMatchObject({ accessModes: ['ReadOnlyMany'], volumeName: volume.metadata.name });
});

test('the check catches each way a replica would download: the old init-container copy, the Hub, a per-pod volume', () => {
  const old = {
    initContainers: [{ name: 'fetch-model', command: ['aws', 's3', 'sync', 's3://models/llama/', '/models/llama'] }],
    containers: [
      {
        name: 'vllm',
        args: ['--model', 'meta-llama/Llama-3.1-8B-Instruct'],
        env: [{ name: 'HOME', value: '/cache' }],
        volumeMounts: [{ name: 'models', mountPath: '/models' }],
        resources: { requests: { 'ephemeral-storage': '100Gi' } },
      },
    ],
    volumes: [{ name: 'models', emptyDir: { sizeLimit: '100Gi' } }],
  };
  expect(downloadsAtStart(old, { claim: 'model-bucket', readOnlyMany: false })).toEqual([
    'init container fetch-model runs before the server',
    'vllm may reach the Hugging Face Hub (HF_HUB_OFFLINE unset)',
    'vllm mounts /models writable',
    '/models is a per-pod volume (emptyDir), filled by each replica',
    'vllm asks for 100Gi of local disk, room for a copy of the weights',
    'the shared model volume is not ReadOnlyMany',
  ]);
  const fetching = {
    ...old,
    initContainers: [],
    containers: [{ ...old.containers[0], command: ['sh', '-c', 'huggingface-cli download x && vllm serve'] }],
  };
  expect(downloadsAtStart(fetching, shared)).toContain('vllm fetches at start: huggingface-cli');
});
