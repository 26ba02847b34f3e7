import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STAGE_ASSEMBLY_ENV } from './stage-assembly-dir';

/**
 * The `stages` project's jest global setup: synthesizes every stage once for the run, before the
 * test files that read it (`synthesizedStages()`), and names the directory for them.
 *
 * The synthesis runs in a child process (tsx, as `npx cdk synth` runs the app): a global setup runs
 * in jest's own process, where test files also run when jest runs them in band, and the modules it
 * loads there (zod's global config, for one) would leak into them.
 */
export default function setUpStageAssembly(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-platform-stages-'));
  const started = performance.now();
  try {
    execFileSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'stage-assembly.ts'), dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      // The stages are validated as `npx cdk synth` validates them: aws-cdk-lib's built-in
      // CloudFormation validation on, whatever another project's setup turned off.
      env: withoutKey(process.env, 'CDK_VALIDATION'),
    });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`Synthesizing the stages for the test run failed:\n${stderr}`, { cause: error });
  }
  process.env[STAGE_ASSEMBLY_ENV] = dir;
  process.stdout.write(
    `\nStages synthesized once for this run in ${((performance.now() - started) / 1000).toFixed(1)} s: ${dir}\n`,
  );
}

function withoutKey(env: NodeJS.ProcessEnv, key: string): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy[key];
  return copy;
}
