/**
 * Jest setup of the `unit` and `integration` projects: no built-in CloudFormation validation when a
 * test synthesizes its own small App.
 *
 * Since 2.27x, every `App.synth()` (and so every `Template.fromStack`) runs aws-cdk-lib's built-in
 * CloudFormation validation, a WebAssembly engine that takes about 7 s of CPU to start in each jest
 * worker and about 2 s per template on this project's CI machine: a third of a construct test file's
 * time. Where it matters it stays on: the `stages` project's assembly (and `npx cdk synth`) run it on
 * every template of every environment with `@aws-cdk/core:validateAgainstDefaultRules` set in
 * cdk.json, so a finding fails synth (`test/security/template-scan.test.ts` checks it ran). A test's
 * own App would only get warnings from it that no test reads.
 */
process.env.CDK_VALIDATION = 'false';
