import { App, type Stack } from 'aws-cdk-lib';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PLATFORM_HANDLERS } from '../../constructs/shared/platform-function';
import {
  FORBIDDEN_TOOLS,
  ROOT,
  consumerEnvironment,
  installedPackages,
  pack,
  packageOf,
  requiredModules,
  runAsync,
  stageConsumer,
  stageFloorConsumer,
  tarballFiles,
} from './consumer';

/**
 * The package as another team gets it: packed (which builds it), installed from the tarball into the
 * example consumer app outside the repository, synthesized there by the pinned CDK CLI with the
 * team's rule pack, and its snapshot test run, with no esbuild, tsx or Docker reachable. Then the
 * same stack synthesized here from the TypeScript sources (bundling the handlers) must give the same
 * template and the same handler code.
 */
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const TIMEOUT = 300_000;

let work: string;
let trapLog: string;
let tarball: string;
let files: string[];
let app: string;
let floor: string;
let sourceAssembly: string;
const printed: string[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-platform-package-'));
  trapLog = path.join(work, 'traps.log');
  tarball = pack(work);
  files = tarballFiles(tarball);
  app = stageConsumer(work, tarball);
  floor = stageFloorConsumer(work, tarball, PACKAGE.peerDependencies);
  const env = consumerEnvironment(work, trapLog);
  const install = ['install', '--prefer-offline', '--no-audit', '--no-fund'];
  const installed = await Promise.all([runAsync('npm', install, app, env), runAsync('npm', install, floor, env)]);
  printed.push(...installed.map((r) => r.output));
  // The consumer's synth and its tests, and the app on the peer floor, run beside the synth from source here.
  const consumer = Promise.all([
    runAsync('npx', ['cdk', 'synth', '-q'], app, env),
    runAsync('npx', ['jest', '--ci'], app, env),
    // The floor checks that the constructs synthesize on the oldest peers; the built-in template
    // validation (a WebAssembly engine, ~9 s of CPU) already ran on the same stack in the synth above.
    runAsync('node', ['app.js'], floor, { ...env, CDK_OUTDIR: path.join(floor, 'cdk.out'), CDK_VALIDATION: 'false' }),
  ]);
  sourceAssembly = synthesizeFromSource(path.join(work, 'source.out'));
  printed.push(...(await consumer).map((r) => r.output));
}, TIMEOUT);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  test('holds the compiled constructs with declarations, every prebuilt handler and the synth data', () => {
    const expected = [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/constructs/index.js',
      'dist/constructs/index.d.ts',
      'dist/constructs/model-serving/index.js',
      'dist/constructs/model-serving/index.d.ts',
      'dist/pulumi/serving.js',
      'dist/pulumi/serving.d.ts',
      'dist/data/router/model.json',
      ...Object.keys(PLATFORM_HANDLERS).flatMap((h) => [
        `dist/handlers/${h}/index.js`,
        `dist/handlers/${h}/index.js.map`,
      ]),
    ];
    expect(expected.filter((file) => !files.includes(file))).toEqual([]);
  });

  test('holds no test, benchmark, fixture, TypeScript source or lockfile', () => {
    const unwanted = files.filter(
      (file) =>
        /(^|\/)(test|tests|bench|__snapshots__|fixtures?|scripts|examples)\//.test(file) ||
        /\.test\.|fixture/.test(file) ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')) ||
        file.endsWith('package-lock.json'),
    );
    expect(unwanted).toEqual([]);
  });

  test('every package the compiled code requires is a dependency or a peer of the package', () => {
    const declared = new Set([...Object.keys(PACKAGE.dependencies), ...Object.keys(PACKAGE.peerDependencies)]);
    const installed = path.join(app, 'node_modules', 'llm-platform-blueprint');
    const required = files
      .filter((file) => file.startsWith('dist/') && file.endsWith('.js') && !file.startsWith('dist/handlers/'))
      .flatMap((file) => requiredModules(path.join(installed, file)))
      .map(packageOf)
      .filter((name) => !name.startsWith('node:'));
    expect([...new Set(required)].filter((name) => !declared.has(name))).toEqual([]);
  });
});

describe('the consumer app, installed from the tarball', () => {
  test('needs no esbuild, tsx or Docker, and prints no line about Docker', () => {
    expect(fs.existsSync(trapLog) ? fs.readFileSync(trapLog, 'utf8') : '').toBe('');
    expect(installedPackages(app).filter((name) => FORBIDDEN_TOOLS.includes(name))).toEqual([]);
    expect(
      printed
        .join('\n')
        .split('\n')
        .filter((line) => /docker/i.test(line)),
    ).toEqual([]);
  });

  test('brings no Pulumi, PGlite, LangChain, cdk8s or kubectl layer', () => {
    const heavy = installedPackages(app).filter((name) =>
      /^(@pulumi\/|@electric-sql\/|@langchain\/|cdk8s|@aws-cdk\/lambda-layer-kubectl)/.test(name),
    );
    expect(heavy).toEqual([]);
  });

  test('synthesizes with its AwsSolutions rule pack and passes its snapshot test', () => {
    expect(fs.existsSync(path.join(app, 'cdk.out', 'LlmGateway.template.json'))).toBe(true);
    expect(printed.join('\n')).toMatch(/Tests:\s+\d+ passed, \d+ total/);
  });

  test('synthesizes on the oldest aws-cdk-lib and constructs the peer ranges accept', () => {
    const versions = ['aws-cdk-lib', 'constructs'].map(
      (name) => JSON.parse(fs.readFileSync(path.join(floor, 'node_modules', name, 'package.json'), 'utf8')).version,
    );
    expect(versions).toEqual(
      ['aws-cdk-lib', 'constructs'].map((name) => /\d+\.\d+\.\d+/.exec(PACKAGE.peerDependencies[name])![0]),
    );
    expect(fs.existsSync(path.join(floor, 'cdk.out', 'LlmGateway.template.json'))).toBe(true);
  });

  test('gets the same template and handler code as the stack built here from source', () => {
    const fromSource = JSON.parse(fs.readFileSync(path.join(sourceAssembly, 'LlmGateway.template.json'), 'utf8'));
    const fromPackage = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'LlmGateway.template.json'), 'utf8'));

    expect(comparable(fromPackage.Resources)).toEqual(comparable(fromSource.Resources));
    const functions = Object.entries(fromSource.Resources as Record<string, Resource>).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
    );
    expect(functions.length).toBeGreaterThanOrEqual(3); // the gateway, the authorizer, the schema step
    for (const [logicalId, resource] of functions) {
      const sourceCode = codeOf(sourceAssembly, resource);
      const packageCode = codeOf(path.join(app, 'cdk.out'), fromPackage.Resources[logicalId]);
      expect({ logicalId, same: sourceCode.equals(packageCode) }).toEqual({ logicalId, same: true });
    }
  });
});

/** The example's stack synthesized from the TypeScript sources (jest maps the package name to them). */
function synthesizeFromSource(outdir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GatewayStack } = require('../../examples/consumer-app/lib/gateway-stack') as {
    GatewayStack: new (scope: App, id: string) => Stack;
  };
  const { context } = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'consumer-app', 'cdk.json'), 'utf8'));
  const local = new App({ outdir, context });
  new GatewayStack(local, 'LlmGateway');
  return local.synth().directory;
}

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

/**
 * Resources without what differs by how they were synthesized: asset hashes (and the API deployment's
 * name, which hashes them), metadata, the CLI's CDKMetadata.
 */
function comparable(resources: Record<string, Resource>): unknown {
  const masked = JSON.parse(
    JSON.stringify(resources)
      .replace(/[0-9a-f]{64}/g, '[ASSET-HASH]')
      // API Gateway deployments are named by a hash of the API, which takes in the functions' code hashes.
      .replace(/(Deployment[0-9A-F]{8})[0-9a-f]{32}/g, '$1[HASH]'),
  ) as Record<string, Resource>;
  return Object.fromEntries(
    Object.entries(masked)
      .filter(([, r]) => r.Type !== 'AWS::CDK::Metadata')
      .map(([id, r]) => [id, { Type: r.Type, Properties: r.Properties }]),
  );
}

function codeOf(assemblyDir: string, resource: Resource): Buffer {
  const key = (resource.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
  return fs.readFileSync(path.join(assemblyDir, `asset.${key}`, 'index.js'));
}
