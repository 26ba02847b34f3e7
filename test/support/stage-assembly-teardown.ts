import * as fs from 'node:fs';
import { STAGE_ASSEMBLY_ENV } from './stage-assembly-dir';

/** Removes the run's stage assembly (a few hundred MB of bundles and templates). */
export default function tearDownStageAssembly(): void {
  const dir = process.env[STAGE_ASSEMBLY_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
