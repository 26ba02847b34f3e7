import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CfnElement, Stack, Stage, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { controlTowerRuleId } from '../../constructs/shared/control-tower';

/** One resource that fails one Control Tower proactive control. */
export interface ControlTowerFinding {
  /** The control, e.g. `CT.S3.PR.9`. */
  readonly control: string;
  /** The cfn-guard rule that implements it, e.g. `s3_bucket_object_lock_enabled_check`. */
  readonly rule: string;
  /** The construct path of the failing resource (`Dev/Platform/Jobs/DeadLetters/Resource`). */
  readonly path: string;
  /** The acknowledgment's reason, when the resource or one of its scopes acknowledges the rule. */
  readonly acknowledgment?: string;
}

/** cfn-guard's report on the platform's templates: its JSON output exceeds Node's 1 MiB default. */
const GUARD_OUTPUT_LIMIT = 256 * 1024 * 1024;

/**
 * Every resource of `stage`'s stacks that fails an AWS Control Tower proactive control, acknowledged
 * or not. Runs the rules bundled with `@cdklabs/cdk-validator-cfnguard` through its own plugin and
 * cfn-guard binary, offline, on the stage's synthesized templates (synthesizing it if needed).
 */
export function controlTowerFindings(stage: Stage): ControlTowerFinding[] {
  const stacks = stage.node.findAll().filter((c): c is Stack => Stack.isStack(c) && Stage.of(c) === stage);
  if (stacks.length === 0) return [];
  const assembly = stage.synth();
  const byTemplate = new Map(stacks.map((stack) => [path.join(assembly.directory, stack.templateFile), stack]));
  ensureGuardIsExecutable();
  const templatePaths = [...byTemplate.keys()];
  const report = new CfnGuardValidator({
    maxBuffer: GUARD_OUTPUT_LIMIT,
    disabledRules: rulesForAbsentTypes(templatePaths),
  }).validate({ templatePaths, appConstruct: stage.node.root });
  const findings: ControlTowerFinding[] = [];
  for (const violation of report.violations) {
    const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.ruleName;
    const resources = violation.violatingResources;
    for (const [template, stack] of byTemplate) {
      const here = resources.filter((r) => path.resolve(r.templatePath) === template);
      const named = here.filter((r) => r.resourceLogicalId && r.resourceLogicalId !== 'undefined');
      // A failing rule also reports the clauses it evaluated outside any resource (a lookup of a
      // referenced resource, say) with no logical id: they belong to the named resources' failures.
      // A rule that names no resource at all is reported against the template, unacknowledgeable.
      if (here.length > 0 && named.length === 0) {
        findings.push({
          control,
          rule: violation.ruleName,
          path: `${stack.node.path} (template ${stack.templateFile})`,
        });
      }
      const elements = elementsByLogicalId(stack);
      for (const resource of named) {
        const element = elements.get(resource.resourceLogicalId);
        findings.push({
          control,
          rule: violation.ruleName,
          path: element?.node.path ?? `${stack.node.path}/${resource.resourceLogicalId}`,
          acknowledgment: element && acknowledgmentOf(element, controlTowerRuleId(violation.ruleName)),
        });
      }
    }
  }
  return findings;
}

/** The findings no acknowledgment covers, one line each: `CT.S3.PR.9 (rule) at construct/path`. */
export function unacknowledgedControlTowerFailures(stage: Stage): string[] {
  return controlTowerFindings(stage)
    .filter((f) => f.acknowledgment === undefined)
    .map((f) => `${f.control} (${f.rule}) at ${f.path}`);
}

/** Throws, listing every finding of every stage below `scope`, when any is unacknowledged. */
export function assertControlTowerClean(scope: IConstruct): void {
  const stages = scope.node.findAll().filter((c): c is Stage => Stage.isStage(c));
  const findings = stages.flatMap(unacknowledgedControlTowerFailures);
  if (findings.length > 0) {
    throw new Error(
      `AWS Control Tower proactive controls: ${findings.length} unacknowledged failure${findings.length > 1 ? 's' : ''}:\n` +
        findings.map((f) => `  - ${f}`).join('\n') +
        '\nFix the construct; if the failure is inherent to the design, acknowledge the control with a reason ' +
        'where the resource is created (constructs/shared/control-tower.ts acknowledgeControl) or in ' +
        'lib/security/control-tower-acknowledgments.ts.',
    );
  }
}

/** The bundled Control Tower rule files, each with the resource types it checks. */
function controlTowerRuleFiles(): ReadonlyArray<{ readonly name: string; readonly types: ReadonlySet<string> }> {
  const dir = path.join(
    path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
    'rules',
    'control-tower',
    'cfn-guard',
  );
  const files: string[] = [];
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(at, entry.name));
      else if (entry.name.endsWith('.guard')) files.push(path.join(at, entry.name));
    }
  };
  walk(dir);
  return files.map((file) => ({
    name: path.parse(file).name,
    types: new Set(fs.readFileSync(file, 'utf8').match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? []),
  }));
}

/**
 * The rules that check only resource types none of the templates holds: each would answer "not
 * applicable" for every resource, so they are left out of the run (it takes a third of the time with
 * the same findings; a test compares the two). A rule that names no type at all is always run.
 */
export function rulesForAbsentTypes(templatePaths: readonly string[]): string[] {
  const present = new Set<string>();
  for (const template of templatePaths) {
    const resources = (
      JSON.parse(fs.readFileSync(template, 'utf8')) as { Resources?: Record<string, { Type: string }> }
    ).Resources;
    for (const resource of Object.values(resources ?? {})) present.add(resource.Type);
  }
  return controlTowerRuleFiles()
    .filter((rule) => rule.types.size > 0 && ![...rule.types].some((type) => present.has(type)))
    .map((rule) => rule.name);
}

function elementsByLogicalId(stack: Stack): Map<string, CfnElement> {
  const elements = stack.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c));
  return new Map(elements.filter((e) => e.stack === stack).map((e) => [stack.resolve(e.logicalId) as string, e]));
}

/**
 * The reason of the acknowledgment of `ruleId` on `construct` or its closest scope that has one,
 * as the CDK's policy validation finds it (the metadata `Validations.acknowledge` records).
 */
function acknowledgmentOf(construct: IConstruct, ruleId: string): string | undefined {
  for (let scope: IConstruct | undefined = construct; scope; scope = scope.node.scope) {
    for (const entry of scope.node.metadata) {
      const data = entry.data as Record<string, string> | undefined;
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && data?.[ruleId] !== undefined) {
        return data[ruleId];
      }
    }
  }
  return undefined;
}

/**
 * The package ships cfn-guard builds for Linux and macOS on x86_64 and arm64. A package manager that
 * loses the executable bit (some unpack tarballs without it) would make every synth fail obscurely.
 */
function ensureGuardIsExecutable(): void {
  const platform = (<Record<string, string>>{ linux: 'ubuntu', darwin: 'macos' })[os.platform()];
  const arch = (<Record<string, string>>{ x64: 'x86_64', arm64: 'aarch64' })[os.arch()];
  if (!platform || !arch) {
    throw new Error(
      `AWS Control Tower rules: cfn-guard is bundled for Linux and macOS on x64 and arm64, not ${os.platform()} ${os.arch()}`,
    );
  }
  const packageDir = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  const guard = path.join(packageDir, 'bin', platform, arch, 'cfn-guard');
  try {
    fs.accessSync(guard, fs.constants.X_OK);
  } catch {
    fs.chmodSync(guard, 0o755);
  }
}
