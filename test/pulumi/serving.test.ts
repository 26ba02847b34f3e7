import * as pulumi from '@pulumi/pulumi';
import { specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc';
import { KUBECONFIG, registered, SPEC } from './pulumi-config';
import * as program from '../../pulumi/index';
import { readinessTransformation } from '../../pulumi/serving';
import { servingChartsPropsFromSpec } from '../../constructs/model-serving/charts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  await new Promise<void>((resolve) => pulumi.output(program.workloads).apply(() => resolve()));
  // Waits until every registration the program started has reached the mocks.
  await pulumi.runtime.disconnect();
});

const ofType = (type: string) => registered.filter((r) => r.type === type);
const object = (kind: string, name: string): Obj => {
  const found = registered.filter((r) => r.inputs.kind === kind && r.inputs.metadata?.name === name);
  expect(found).toHaveLength(1);
  return found[0].inputs;
};

test('the program deploys every workload of the spec from Pulumi config', () => {
  expect(program.workloads).toEqual(['vllm-llama', 'triton-triton-llama']);
});

test('connects through a Kubernetes provider built from the kubeconfig in config, kept secret', () => {
  const providers = ofType('pulumi:providers:kubernetes');
  expect(providers).toHaveLength(1);
  expect(providers[0].inputs.kubeconfig).toEqual({ [specialSigKey]: specialSecretSig, value: KUBECONFIG });
  expect(providers[0].inputs.enableServerSideApply).toBe('true');
});

test('creates the namespace, service account and each workload with the chart classes, one ConfigGroup each', () => {
  expect(ofType('kubernetes:yaml:ConfigGroup').map((r) => r.name)).toEqual([
    'serving-namespace',
    'serving-vllm-llama',
    'serving-triton-triton-llama',
  ]);
  expect(ofType('kubernetes:core/v1:Namespace').map((r) => r.inputs.metadata.name)).toEqual(['model-serving']);
  expect(object('ServiceAccount', 'model-server').metadata.annotations).toEqual(SPEC.serviceAccountAnnotations);
  expect(
    ofType('kubernetes:apps/v1:Deployment')
      .map((r) => r.inputs.metadata.name)
      .sort(),
  ).toEqual(['llama', 'triton-llama']);
  expect(ofType('kubernetes:keda.sh/v1alpha1:ScaledObject')).toHaveLength(2);
  expect(ofType('kubernetes:policy/v1:PodDisruptionBudget')).toHaveLength(2);
  expect(object('ScaledObject', 'llama').spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 3 });
});

test('readiness waiting is sized for model load: startup timeout plus image pull', () => {
  const llama = object('Deployment', 'llama');
  expect(llama.metadata.annotations['pulumi.com/timeoutSeconds']).toBe(String(45 * 60 + 15 * 60));
  const triton = object('Deployment', 'triton-llama');
  expect(triton.metadata.annotations['pulumi.com/timeoutSeconds']).toBe(String(20 * 60 + 15 * 60));
  expect(object('Service', 'llama-internal').metadata.annotations['pulumi.com/timeoutSeconds']).toBe('900');
  // Objects Pulumi does not wait on keep no annotation of ours.
  expect(object('PodDisruptionBudget', 'llama').metadata.annotations?.['pulumi.com/timeoutSeconds']).toBeUndefined();
});

test('the same sizing is set as the resources custom timeouts', () => {
  const transform = readinessTransformation(3600);
  const deployment = { kind: 'Deployment', metadata: { name: 'x' } };
  const opts: pulumi.CustomResourceOptions = {};
  transform(deployment, opts);
  expect(opts.customTimeouts).toEqual({ create: '60m', update: '60m' });
  const service: pulumi.CustomResourceOptions = {};
  transform({ kind: 'Service', spec: { type: 'ClusterIP' } }, service);
  expect(service.customTimeouts).toBeUndefined();
});

test('a bad spec in config is refused with the path of every bad field', () => {
  expect(() =>
    servingChartsPropsFromSpec({ vllm: [{ name: 'x', model: 'm', gpusPerNode: 'one', quantisation: 'awq' }] }),
  ).toThrow(
    /Invalid serving spec:\n {2}- prometheusServerAddress: .*\n {2}- vllm\.0\.gpusPerNode: expected number, received string\n {2}- vllm\.0: Unrecognized key: "quantisation"/,
  );
});
