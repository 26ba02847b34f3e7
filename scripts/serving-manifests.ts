/**
 * `npm run manifests -- [--spec pulumi/serving.example.json] [--out dist/manifests]`
 *
 * Writes the serving charts (the same classes the CDK construct and the Pulumi program deploy) as
 * plain Kubernetes YAML, one file per chart, for GitOps tools (Argo CD, Flux) or `kubectl apply -f`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { App, Yaml } from 'cdk8s';
import { addServingCharts, servingChartsPropsFromSpec } from '../constructs/model-serving/charts';

/** Writes one YAML file per chart into `outDir` (replacing what was there); returns the files, in apply order. */
export function writeServingManifests(spec: unknown, outDir: string): string[] {
  const charts = addServingCharts(new App(), servingChartsPropsFromSpec(spec));
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  // The namespace first: file names sort in the order to apply them.
  return charts.all.map((chart, i) => {
    const file = path.join(outDir, `${String(i).padStart(2, '0')}-${chart.node.id}.yaml`);
    fs.writeFileSync(file, Yaml.stringify(...chart.toJson()));
    return file;
  });
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      spec: { type: 'string', default: 'pulumi/serving.example.json' },
      out: { type: 'string', default: 'dist/manifests' },
    },
  });
  const spec = JSON.parse(fs.readFileSync(values.spec!, 'utf8'));
  for (const file of writeServingManifests(spec, values.out!)) console.log(file);
}
