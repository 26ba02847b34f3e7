import type { PlatformHandler } from '../../../constructs/shared/platform-function';
import type { SynthesizedStage } from '../../support/stage-assembly';
import type { HandlerAwsCalls } from '../../../lambda/contract/aws-calls';
import { verdictsOf } from './checks';
import { HANDLER_AWS_CALLS } from './declarations';
import { handlerOfAsset, stageFunctions, type StageFunction } from './function-inventory';
import { FUNCTIONS_NOT_OURS, type FunctionNotOurs } from './functions-not-ours';
import type { CallVerdict } from './simulate';
import { TemplateResolver, type CfnTemplate } from './template-resolver';

/** One function of a stage as the permission test sees it. */
export interface CheckedFunction {
  readonly fn: StageFunction;
  /** Its declaration: the platform handler's, or the known calls of an aws-cdk-lib function. */
  readonly declaration: HandlerAwsCalls | undefined;
  /** For a function that is not a platform handler: which one it is (undefined: unknown, a failure). */
  readonly notOurs: FunctionNotOurs | undefined;
  readonly verdicts: readonly CallVerdict[];
}

export interface StagePermissions {
  readonly stage: string;
  readonly resolver: TemplateResolver;
  readonly functions: readonly CheckedFunction[];
}

/** Every function of a template with its calls evaluated. `handlerOf` identifies the platform handlers. */
export async function checkTemplate(
  name: string,
  resolver: TemplateResolver,
  handlerOf: (logicalId: string, properties: Record<string, unknown>) => PlatformHandler | undefined,
  assetDirectory?: string,
  declarations: Readonly<Record<PlatformHandler, HandlerAwsCalls>> = HANDLER_AWS_CALLS,
): Promise<StagePermissions> {
  const functions = await Promise.all(
    stageFunctions(resolver, handlerOf).map(async (fn): Promise<CheckedFunction> => {
      const notOurs = fn.handler
        ? undefined
        : FUNCTIONS_NOT_OURS.find((known) => known.matches(fn.logicalId, fn.properties));
      const declaration = fn.handler ? declarations[fn.handler] : notOurs?.calls;
      const verdicts = declaration ? await verdictsOf({ resolver, assetDirectory }, fn, declaration) : [];
      return { fn, declaration, notOurs, verdicts };
    }),
  );
  return { stage: name, resolver, functions };
}

/** A synthesized stage's platform template, its handlers identified from the staged bundles' source maps. */
export function checkStage(stage: SynthesizedStage): Promise<StagePermissions> {
  const region = stage.platform.environment.region;
  const resolver = new TemplateResolver(
    stage.platform.template as CfnTemplate,
    region === 'unknown-region' ? 'us-east-1' : region,
  );
  return checkTemplate(
    stage.name,
    resolver,
    (_, properties) =>
      handlerOfAsset(stage.assetDirectory, String((properties.Code as { S3Key?: unknown } | undefined)?.S3Key ?? '')),
    stage.assetDirectory,
  );
}

/** Each call of each checked function with the statements that allow it, as a Markdown table. */
export function callTable(stage: string, functions: readonly CheckedFunction[]): string {
  const short = (arn: string) => arn.replace(/^arn:aws:([^:]*):[^:]*:(\d{12})?:?/, '$1:');
  const rows = functions.flatMap(({ fn, verdicts }) =>
    verdicts.map(
      ({ call, result, allowedBy }) =>
        `| ${fn.handler ?? fn.logicalId} | ${call.by} | ${call.action} | ${short(call.resource)} | ${result === 'Allowed' ? allowedBy.join('<br>') : result} |`,
    ),
  );
  return [
    `### ${stage}`,
    '| function | by | action | resource | allowed by |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
