import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as path from 'node:path';

/**
 * How every TypeScript handler of the platform is built and run, so that the gateway and the
 * authorizer (and the functions that later constructs add) are bundled the same way.
 *
 * Bundling is local esbuild (pinned in package.json), never Docker. Functions with the same entry
 * and these options share one bundling pass per app: the CDK's asset cache keys on them, so three
 * environments in one `cdk synth` bundle the gateway once.
 */

/** The repository root: where package-lock.json and the handlers live. */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** Path of a handler file below `lambda/`, e.g. `gateway/handler.ts`. */
export function handlerEntry(relative: string): string {
  return path.join(PROJECT_ROOT, 'lambda', relative);
}

/** Node.js 24: the current Lambda LTS runtime; the esbuild target follows it. */
export const PLATFORM_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const PLATFORM_ESBUILD_TARGET = 'node24';

/**
 * Bundling options: minified, with a linked source map file (no sources inlined, so the map stays
 * small and the code asset holds no copy of the TypeScript), AWS SDK and Smithy packages left to the
 * runtime, ES module entry points preferred so that esbuild can drop what is not used, and no
 * legal-comment blocks in the shipped code (the licences are in node_modules and the lockfile).
 */
export function platformBundling(): nodejs.BundlingOptions {
  return {
    minify: true,
    sourceMap: true,
    sourceMapMode: nodejs.SourceMapMode.DEFAULT,
    sourcesContent: false,
    target: PLATFORM_ESBUILD_TARGET,
    format: nodejs.OutputFormat.CJS,
    mainFields: ['module', 'main'],
    externalModules: ['@aws-sdk/*', '@smithy/*'],
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

/** Props shared by every platform NodejsFunction: runtime, architecture, bundling, lockfile. */
export function platformFunctionDefaults(entry: string): nodejs.NodejsFunctionProps {
  return {
    entry: handlerEntry(entry),
    handler: 'handler',
    runtime: PLATFORM_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: platformBundling(),
  };
}
