/**
 * The layers of DESIGN.md and ARCHITECTURE.md, enforced (`npm run lint`). Each rule's `comment` is
 * the message a violation prints: it says where the thing belongs.
 */
const HANDLERS = 'authorizer|embeddings-api|embeddings-worker|gateway|jobs-api|jobs-worker|kill-switch|vector-schema';
const PRODUCTION = '^(lambda|constructs|lib|bin|pulumi)/';
/** Tests may compose what they test from any layer (a core test builds a gateway); cycles still count. */
const TESTS = '\\.test\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment:
        'Import cycle (type imports count too). Move what both sides need into a module neither imports: ' +
        'a port (lambda/core/pipeline/ports.ts), the contract (lambda/contract/), or a shared leaf.',
      from: { path: PRODUCTION },
      to: { circular: true },
    },
    {
      name: 'contract-depends-on-zod-only',
      severity: 'error',
      comment:
        'lambda/contract/ is what constructs and handlers share: names, schemas and data, importing only zod ' +
        'and itself. Keep the implementation in lambda/core/ and import the contract from there.',
      from: { path: '^lambda/contract/' },
      to: { pathNot: ['^lambda/contract/', '^node_modules/zod/'] },
    },
    {
      name: 'constructs-import-only-the-contract',
      severity: 'error',
      comment:
        'A construct (or a stack, or the app) may import only lambda/contract/ from the runtime: environment ' +
        'variable names, metric names, routes, schemas. Move the name or schema it needs into lambda/contract/.',
      from: { path: '^(constructs|lib|bin)/' },
      to: { path: '^lambda/', pathNot: '^lambda/contract/' },
    },
    {
      name: 'core-is-closed',
      severity: 'error',
      comment:
        'lambda/core/ knows no provider, handler, adapter, local server or composition root. Depend on a port ' +
        '(lambda/core/pipeline/ports.ts, lambda/core/providers/provider.ts) and let lambda/runtime/ wire the part in.',
      from: { path: '^lambda/core/', pathNot: TESTS },
      to: { path: `^lambda/(providers|runtime|adapters|local|${HANDLERS})/` },
    },
    {
      name: 'core-knows-nothing-of-lambda',
      severity: 'error',
      comment:
        'The core runs behind Lambda, the local server and the tests alike: translate Lambda events in lambda/adapters/.',
      from: { path: '^lambda/core/' },
      to: { path: '^node_modules/@types/aws-lambda/' },
    },
    {
      name: 'providers-use-the-provider-port',
      severity: 'error',
      comment:
        'A provider implements the core provider port (lambda/core/providers/) with the OpenAI types, errors and ' +
        'utilities of the core; it knows nothing of the pipeline, policies, handlers or the composition root.',
      from: { path: '^lambda/providers/' },
      to: {
        path: '^lambda/',
        pathNot: ['^lambda/providers/', '^lambda/contract/', '^lambda/core/(providers|openai|http|util)/'],
      },
    },
    {
      name: 'handlers-do-not-import-each-other',
      severity: 'error',
      comment:
        'A handler folder is a thin adapter for one function. What two handlers share goes to lambda/runtime/ ' +
        '(building the deployed runtime from the environment) or lambda/adapters/ (Lambda event translation).',
      from: { path: `^lambda/(${HANDLERS})/` },
      to: { path: `^lambda/(${HANDLERS})/`, pathNot: '^lambda/$1/' },
    },
    {
      name: 'handlers-sit-on-the-composition-root',
      severity: 'error',
      comment: 'A handler builds nothing itself from providers or the local server: use lambda/runtime/.',
      from: { path: `^lambda/(${HANDLERS})/`, pathNot: TESTS },
      to: { path: '^lambda/(providers|local)/' },
    },
    {
      name: 'adapters-translate-only',
      severity: 'error',
      comment: 'lambda/adapters/ translates Lambda events to and from the core; wiring belongs in lambda/runtime/.',
      from: { path: '^lambda/adapters/', pathNot: TESTS },
      to: { path: `^lambda/(providers|runtime|local|${HANDLERS})/` },
    },
    {
      name: 'composition-root-serves-handlers-and-the-local-server',
      severity: 'error',
      comment: 'lambda/runtime/ composes the core; handlers and the local server use it, never the other way round.',
      from: { path: '^lambda/runtime/', pathNot: TESTS },
      to: { path: `^lambda/(adapters|local|${HANDLERS})/` },
    },
    {
      name: 'local-server-is-not-a-handler',
      severity: 'error',
      comment: 'The local server drives the core through lambda/runtime/, as the handlers do, not through them.',
      from: { path: '^lambda/local/', pathNot: TESTS },
      to: { path: `^lambda/(adapters|${HANDLERS})/` },
    },
    {
      name: 'charts-import-neither-constructs-nor-pulumi',
      severity: 'error',
      comment:
        'The cdk8s charts are the one definition of each workload, imported by ModelServingCluster and by the ' +
        'Pulumi program: they import cdk8s, not the CDK constructs around them or Pulumi.',
      from: { path: '^constructs/model-serving/charts/' },
      to: { path: ['^constructs/(?!model-serving/charts/)', '^pulumi/', '^node_modules/(aws-cdk-lib|@pulumi)/'] },
    },
    {
      name: 'pulumi-imports-the-charts-only',
      severity: 'error',
      comment: 'The Pulumi program delivers the same charts as the CDK construct: import them, not the CDK constructs.',
      from: { path: '^pulumi/' },
      to: { path: ['^constructs/(?!model-serving/charts/)', '^lambda/(?!contract/)'] },
    },
    {
      name: 'production-code-imports-no-tests',
      severity: 'error',
      comment: 'Test doubles, benchmarks and scripts are not part of what is deployed or installed.',
      from: { path: PRODUCTION, pathNot: TESTS },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(cdk\\.out|dist)/' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
