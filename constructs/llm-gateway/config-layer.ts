import * as lambda from 'aws-cdk-lib/aws-lambda';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Construct } from 'constructs';
import { PLATFORM_RUNTIME } from '../shared/platform-function';

/**
 * The gateway's data files (model config, router model) travel in a Lambda layer of their own, not
 * in the code bundle. The code asset is then the same for every environment and every gateway in an
 * app (one esbuild pass, shared through the CDK's asset cache), a config change ships a new layer
 * version without rebundling, and nothing can give one environment's config to another. A layer is
 * extracted below /opt, so the files are at fixed absolute paths.
 */
export const CONFIG_LAYER_DIR = 'llm-gateway';
export const CONFIG_FILE_PATH = `/opt/${CONFIG_LAYER_DIR}/gateway-config.json`;
export const ROUTER_MODEL_FILE_PATH = `/opt/${CONFIG_LAYER_DIR}/router-model.json`;

export interface ConfigFiles {
  /** The gateway config, as JSON text. */
  readonly config: string;
  /** The router's trained model, as JSON text, when routing uses the classifier. */
  readonly routerModel?: string;
}

/** Writes the files to a directory named after their content, so the same files give one asset. */
function stageFiles(files: ConfigFiles): string {
  const hash = createHash('sha256')
    .update(files.config)
    .update('\0')
    .update(files.routerModel ?? '')
    .digest('hex');
  const root = path.join(tmpdir(), `llm-gateway-config-${hash.slice(0, 32)}`);
  const dir = path.join(root, CONFIG_LAYER_DIR);
  const configFile = path.join(dir, path.basename(CONFIG_FILE_PATH));
  if (!existsSync(configFile) || readFileSync(configFile, 'utf8') !== files.config) {
    mkdirSync(dir, { recursive: true });
    // Parallel synths (test workers) may stage the same files: write aside, then rename into place.
    const write = (file: string, text: string) => {
      const aside = `${file}.${process.pid}.tmp`;
      writeFileSync(aside, text);
      renameSync(aside, file);
    };
    if (files.routerModel !== undefined)
      write(path.join(dir, path.basename(ROUTER_MODEL_FILE_PATH)), files.routerModel);
    write(configFile, files.config);
  }
  return root;
}

export function configLayer(
  scope: Construct,
  id: string,
  files: ConfigFiles,
  description: string,
): lambda.LayerVersion {
  return new lambda.LayerVersion(scope, id, {
    code: lambda.Code.fromAsset(stageFiles(files)),
    compatibleArchitectures: [lambda.Architecture.ARM_64],
    compatibleRuntimes: [PLATFORM_RUNTIME],
    description,
  });
}
