import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Yaml } from 'cdk8s';
import { writeServingManifests } from '../../scripts/serving-manifests';
import { manifestSchemaErrors, type KubernetesObject } from '../support/kubernetes-schemas';

const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'pulumi', 'serving.example.json'), 'utf8'));

describe('npm run manifests: the charts as plain YAML for GitOps', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'serving-manifests-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));
  const files = writeServingManifests(example, out);

  test('one file per chart, named in the order to apply them', () => {
    expect(files.map((f) => path.basename(f))).toEqual([
      '00-serving-namespace.yaml',
      '01-vllm-llama-8b.yaml',
      '02-triton-triton-llama-8b.yaml',
    ]);
    expect(fs.readdirSync(out).sort()).toEqual(files.map((f) => path.basename(f)));
  });

  test('every document is valid Kubernetes, and each workload has its autoscaler and budget', () => {
    const documents = files.flatMap((file) => Yaml.load(file)) as KubernetesObject[];
    expect(manifestSchemaErrors(documents)).toEqual([]);
    const kinds = documents.map((d) => `${d.kind}/${(d.metadata as { name: string }).name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace/model-serving',
        'Deployment/llama-8b',
        'ScaledObject/llama-8b',
        'PodDisruptionBudget/triton-llama-8b',
        'Service/triton-llama-8b-internal',
      ]),
    );
  });

  test('a rerun replaces the previous output', () => {
    fs.writeFileSync(path.join(out, 'stale.yaml'), 'kind: Stale\n');
    writeServingManifests({ ...example, triton: [] }, out);
    expect(fs.readdirSync(out).sort()).toEqual(['00-serving-namespace.yaml', '01-vllm-llama-8b.yaml']);
  });
});
