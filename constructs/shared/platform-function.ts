import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * How every TypeScript handler of the platform is built and run, so that every function is bundled
 * the same way, whether the constructs bundle it at synth or the package build bundled it before.
 *
 * Two paths, chosen by which copy of the constructs is running:
 * - From this repository's TypeScript (`npx cdk synth`, the tests), the handler sources are beside
 *   the constructs: a NodejsFunction bundles them with local esbuild (pinned in package.json, never
 *   Docker) and this repository's lockfile.
 * - From the installed package (`dist/`), there are no handler sources and no lockfile: the package
 *   build bundled every handler once, with exactly these options (`scripts/build-handlers.ts`), into
 *   `dist/handlers/<name>/`, and the function takes that directory with `lambda.Code.fromAsset`. The
 *   consumer needs no esbuild, Docker, tsx or lockfile.
 */

/**
 * Where `data/` is and, in the repository, `lambda/`: the repository root when running from source,
 * the package's `dist/` when running compiled (the build copies the data the constructs read there).
 */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** Where the package build writes the prebuilt handlers, one folder each, beside the compiled constructs. */
export const PREBUILT_HANDLERS_DIR = path.join(__dirname, '..', '..', 'handlers');

/** Path of a handler file below `lambda/`, e.g. `gateway/handler.ts`. */
export function handlerEntry(relative: string): string {
  return path.join(PROJECT_ROOT, 'lambda', relative);
}

/**
 * Every function the constructs deploy, by its folder below `lambda/`, with what its bundle leaves
 * out beyond the platform's common externals (`platformBundling`).
 */
export const PLATFORM_HANDLERS = {
  gateway: [],
  authorizer: [],
  'jobs-api': [],
  'jobs-worker': [],
  'embeddings-api': [],
  'embeddings-worker': [],
  'kill-switch': [],
  // pg's native binding is optional and never used.
  'vector-schema': ['pg-native'],
} as const satisfies Record<string, readonly string[]>;

export type PlatformHandler = keyof typeof PLATFORM_HANDLERS;

/** Node.js 24: the current Lambda LTS runtime; the esbuild target follows it. */
export const PLATFORM_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const PLATFORM_ESBUILD_TARGET = 'node24';

/**
 * Bundling options: minified, with a linked source map file (no sources inlined, so the map stays
 * small and the code asset holds no copy of the TypeScript), AWS SDK and Smithy packages left to the
 * runtime, ES module entry points preferred so that esbuild can drop what is not used, and no
 * legal-comment blocks in the shipped code (the licences are in node_modules and the lockfile).
 */
export function platformBundling(extraExternals: readonly string[] = []): nodejs.BundlingOptions {
  return {
    minify: true,
    sourceMap: true,
    sourceMapMode: nodejs.SourceMapMode.DEFAULT,
    sourcesContent: false,
    target: PLATFORM_ESBUILD_TARGET,
    format: nodejs.OutputFormat.CJS,
    mainFields: ['module', 'main'],
    externalModules: ['@aws-sdk/*', '@smithy/*', ...extraExternals],
    forceDockerBundling: false,
    esbuildArgs: { '--legal-comments': 'none' },
  };
}

/** Environment every platform function gets: stack traces through the source map. */
export const PLATFORM_FUNCTION_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--enable-source-maps',
};

/**
 * Environment of a function that connects to Aurora with TLS verified: Node.js 20+ Lambda runtimes
 * load the Amazon RDS certificate authorities only when asked to.
 */
export const RDS_CA_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
};

/** The handler's TypeScript entry, present only in a checkout of the repository. */
export function handlerSource(handler: PlatformHandler): string {
  return handlerEntry(`${handler}/handler.ts`);
}

/** The prebuilt handler's folder (`index.js` and its source map), present only in the package. */
export function prebuiltHandler(handler: PlatformHandler): string {
  return path.join(PREBUILT_HANDLERS_DIR, handler);
}

/** Props shared by every platform NodejsFunction: runtime, architecture, bundling, lockfile. */
export function platformFunctionDefaults(handler: PlatformHandler): nodejs.NodejsFunctionProps {
  return {
    entry: handlerSource(handler),
    handler: 'handler',
    runtime: PLATFORM_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: platformBundling(PLATFORM_HANDLERS[handler]),
  };
}

/**
 * A function running one of the platform's handlers on the platform's runtime and architecture:
 * bundled from source in the repository, from the prebuilt bundle in the installed package (see the
 * top of this file). Both give the same `index.js`; `test/package/` checks it.
 */
export function platformFunction(
  scope: Construct,
  id: string,
  handler: PlatformHandler,
  props: lambda.FunctionOptions,
): lambda.Function {
  if (existsSync(handlerSource(handler))) {
    return new nodejs.NodejsFunction(scope, id, { ...props, ...platformFunctionDefaults(handler) });
  }
  const code = prebuiltHandler(handler);
  if (!existsSync(path.join(code, 'index.js'))) {
    throw new Error(
      `The ${handler} function's code is neither source (${handlerSource(handler)}) nor prebuilt ` +
        `(${code}/index.js). In a checkout of the repository run \`npm run build\`; an installed package ` +
        'always holds it, so reinstall it.',
    );
  }
  return new lambda.Function(scope, id, {
    ...props,
    runtime: PLATFORM_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(code),
  });
}
