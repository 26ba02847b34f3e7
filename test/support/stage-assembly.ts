import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly, type CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../../lib/config/environments';
import { controlTowerFindings, type ControlTowerFinding } from '../../lib/security/control-tower';
import { unacknowledgedNagErrors } from '../../lib/security/nag-packs';
import { nagAcknowledgmentsBelow, type NagAcknowledgment } from '../../constructs/shared/nag-acknowledgments';
import { buildPlatform } from './platform-app';
import { STAGE_ASSEMBLY_ENV } from './stage-assembly-dir';

/**
 * The whole app (every environment's stage, bundled as `npx cdk synth` bundles it) synthesized
 * once per test run: `stage-assembly-setup.ts`, the jest global setup of the `stages` project,
 * writes the cloud assembly and the rule packs' findings into a temporary directory and names it in
 * `STAGE_ASSEMBLY_ENV`; each test file reads it instead of building and bundling the three stages again.
 */
const FINDINGS_FILE = 'platform-findings.json';

/** What the rule packs find in one stage, computed where the construct tree exists. */
export interface StageFindings {
  /** cdk-nag errors no acknowledgment covers (`unacknowledgedNagErrors`). */
  readonly nag: readonly string[];
  /** Every Control Tower finding, acknowledged or not (`controlTowerFindings`). */
  readonly controlTower: readonly ControlTowerFinding[];
  /** The cdk-nag acknowledgments the constructs made in the stage (`nagAcknowledgmentsBelow`). */
  readonly nagAcknowledgments: readonly (NagAcknowledgment & { readonly path: string })[];
}

export interface SynthesizedStage {
  /** Where the app staged its assets (bundles, the config layers): the run's assembly directory. */
  readonly assetDirectory: string;
  /** The stage id: `Dev`, `Staging`, `Prod`. */
  readonly name: string;
  /** The stage's platform stack as deployed: template, environment, termination protection. */
  readonly platform: CloudFormationStackArtifact;
  readonly template: Template;
  readonly findings: StageFindings;
}

/**
 * Synthesizes the app into `dir` (a cdk.out) and writes the findings of each stage beside it.
 * The rule packs run after synthesis, on the same tree, as `bin/app.ts` runs them.
 */
export function writeStageAssembly(dir: string): void {
  const { app, stages } = buildPlatform(ENVIRONMENTS, dir);
  app.synth();
  const findings: Record<string, StageFindings> = {};
  for (const stage of stages) {
    findings[stage.stageName] = {
      nag: unacknowledgedNagErrors(stage),
      controlTower: controlTowerFindings(stage),
      nagAcknowledgments: nagAcknowledgmentsBelow(stage),
    };
  }
  fs.writeFileSync(path.join(dir, FINDINGS_FILE), JSON.stringify(findings));
}

let loaded: SynthesizedStage[] | undefined;

/**
 * Every stage of the run's assembly, in the app's order. Outside the `stages` project (no global
 * setup ran), the test file synthesizes its own copy first, so it still works, only slower.
 */
export function synthesizedStages(): SynthesizedStage[] {
  if (loaded) return loaded;
  let dir = process.env[STAGE_ASSEMBLY_ENV];
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-platform-stages-'));
    writeStageAssembly(dir);
  }
  const assembly = new CloudAssembly(dir);
  const findings = JSON.parse(fs.readFileSync(path.join(dir, FINDINGS_FILE), 'utf8')) as Record<string, StageFindings>;
  const order = Object.keys(assembly.manifest.artifacts ?? {});
  loaded = [...assembly.nestedAssemblies]
    .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id))
    .map((nested) => {
      const name = nested.displayName;
      const platform = nested.nestedAssembly.stacks.find((stack) => stack.hierarchicalId === `${name}/Platform`);
      if (!platform) throw new Error(`The assembly in ${dir} has no platform stack for stage ${name}`);
      return {
        name,
        assetDirectory: assembly.directory,
        platform,
        template: Template.fromJSON(platform.template),
        findings: findings[name],
      };
    });
  return loaded;
}

/** One stage of the run's assembly, by id. */
export function synthesizedStage(name: string): SynthesizedStage {
  const stage = synthesizedStages().find((s) => s.name === name);
  if (!stage)
    throw new Error(`No stage '${name}' in the assembly; the app has ${synthesizedStages().map((s) => s.name)}`);
  return stage;
}

/**
 * The files of every Lambda layer of the stage's platform stack that holds `file`, parsed as JSON:
 * what the deployed functions read (the gateway config layer, say), straight from the staged assets.
 */
export function layerFiles(stage: SynthesizedStage, file: string): unknown[] {
  const layers = stage.template.findResources('AWS::Lambda::LayerVersion') as Record<
    string,
    { Properties: { Content: { S3Key: string } } }
  >;
  return Object.values(layers)
    .map((layer) =>
      path.join(stage.assetDirectory, `asset.${layer.Properties.Content.S3Key.replace(/\.zip$/, '')}`, file),
    )
    .filter((at) => fs.existsSync(at))
    .map((at) => JSON.parse(fs.readFileSync(at, 'utf8')) as unknown);
}

// `tsx test/support/stage-assembly.ts DIR`: what the global setup runs in its child process.
if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx test/support/stage-assembly.ts OUTPUT_DIRECTORY');
  writeStageAssembly(dir);
}
