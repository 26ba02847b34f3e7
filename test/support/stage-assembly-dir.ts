/** Where the `stages` project's global setup left the run's cloud assembly (see stage-assembly.ts). */
export const STAGE_ASSEMBLY_ENV = 'LLM_PLATFORM_STAGE_ASSEMBLY';
