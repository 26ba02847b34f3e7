import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeStageAssembly } from './stage-assembly';
import { STAGE_ASSEMBLY_ENV } from './stage-assembly-dir';

/**
 * The `stages` project's jest global setup: synthesizes every stage once for the run, before the
 * test files that read it (`synthesizedStages()`), and names the directory for their workers.
 */
export default function setUpStageAssembly(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-platform-stages-'));
  const started = performance.now();
  writeStageAssembly(dir);
  process.env[STAGE_ASSEMBLY_ENV] = dir;
  process.stdout.write(
    `\nStages synthesized once for this run in ${((performance.now() - started) / 1000).toFixed(1)} s: ${dir}\n`,
  );
}
