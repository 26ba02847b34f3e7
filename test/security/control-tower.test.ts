import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTROL_TOWER_RULES, acknowledgeControl } from '../../constructs/shared/control-tower';
import { customerManagedKey } from '../../constructs/shared/customer-managed-key';
import { privateBucket } from '../../constructs/shared/private-bucket';
import {
  assertControlTowerClean,
  controlTowerFindings,
  rulesForAbsentTypes,
  unacknowledgedControlTowerFailures,
  type ControlTowerFinding,
} from '../../lib/security/control-tower';
import { cdkJsonContext } from '../support/platform-app';
import { synthesizedStages } from '../support/stage-assembly';

/** cfn-guard takes 10-20 s on a whole stage's template on this machine. */
const GUARD_TIMEOUT = 240_000;

// Every stage's findings, by cfn-guard on the run's assembly in the global setup (stage-assembly.ts).
const stages = synthesizedStages();
const templates = new Map(stages.map((stage) => [stage.name, stage.template]));
const findings = new Map<string, readonly ControlTowerFinding[]>(
  stages.map((stage) => [stage.name, stage.findings.controlTower]),
);

/** A small app of its own, as a team importing one construct would have. */
function smallStage(id: string): { stage: Stage; stack: Stack } {
  const app = new App({ context: cdkJsonContext() });
  const stage = new Stage(app, id);
  return { stage, stack: new Stack(stage, 'Stack') };
}

type Resource = { Type: string; Properties: Record<string, unknown> };
const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);

describe('AWS Control Tower proactive controls gate', () => {
  test('the gate bites: a deliberately non-compliant construct fails it, rule by rule, by construct path', () => {
    const { stage, stack } = smallStage('Careless');
    new s3.Bucket(stack, 'PlainBucket');
    new sqs.Queue(stack, 'PlainQueue');
    new logs.LogGroup(stack, 'PlainLogs');
    new kms.Key(stack, 'PlainKey');

    const failures = unacknowledgedControlTowerFailures(stage);
    expect(failures).toEqual(
      expect.arrayContaining([
        'CT.S3.PR.9 (s3_bucket_object_lock_enabled_check) at Careless/Stack/PlainBucket/Resource',
        'CT.S3.PR.4 (s3_event_notifications_enabled_check) at Careless/Stack/PlainBucket/Resource',
        'CT.SQS.PR.1 (sqs_dlq_check) at Careless/Stack/PlainQueue/Resource',
        'CT.CLOUDWATCH.PR.3 (cloudwatch_log_group_encrypted_check) at Careless/Stack/PlainLogs/Resource',
        'CT.KMS.PR.3 (kms_create_grant_aws_service_check) at Careless/Stack/PlainKey/Resource',
      ]),
    );
    // What `npx cdk synth` prints when it stops.
    expect(() => assertControlTowerClean(stage.node.root)).toThrow(
      /AWS Control Tower proactive controls: \d+ unacknowledged failures:\n( {2}- CT\..+\n)+Fix the construct/,
    );
  });

  test(
    'leaving out the rules for resource types no template holds changes no finding',
    () => {
      // A stack with a little of everything the platform makes, run with every rule and with the filter.
      const { stage, stack } = smallStage('Filtered');
      new s3.Bucket(stack, 'PlainBucket');
      new sqs.Queue(stack, 'PlainQueue');
      new logs.LogGroup(stack, 'PlainLogs');
      new kms.Key(stack, 'PlainKey');
      const assembly = stage.synth();
      const templatePaths = [path.join(assembly.directory, stack.templateFile)];
      const run = (disabledRules: string[]) =>
        new CfnGuardValidator({ disabledRules })
          .validate({ templatePaths, appConstruct: stage.node.root })
          .violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`)
          .sort();
      const skipped = rulesForAbsentTypes(templatePaths);
      expect(skipped.length).toBeGreaterThan(100); // most rules are for services the stack does not use
      expect(skipped).not.toContain('ct-s3-pr-9'); // one for a type it holds runs
      expect(run(skipped)).toEqual(run([]));
    },
    GUARD_TIMEOUT,
  );

  test('an acknowledgment silences exactly its control on its construct and what is below it', () => {
    const { stage, stack } = smallStage('Acknowledged');
    const quiet = new sqs.Queue(stack, 'Quiet');
    new sqs.Queue(stack, 'Loud');
    const bucket = new s3.Bucket(stack, 'Bucket');
    acknowledgeControl(quiet, 'CT.SQS.PR.1', 'a test of the mechanism, with a reason');
    acknowledgeControl(bucket, 'CT.S3.PR.9', 'a test of the mechanism, with a reason');

    const all = controlTowerFindings(stage);
    const failures = unacknowledgedControlTowerFailures(stage);
    expect(all).toContainEqual({
      control: 'CT.SQS.PR.1',
      rule: 'sqs_dlq_check',
      path: 'Acknowledged/Stack/Quiet/Resource',
      acknowledgment: 'CT.SQS.PR.1: a test of the mechanism, with a reason',
    });
    expect(failures).toContain('CT.SQS.PR.1 (sqs_dlq_check) at Acknowledged/Stack/Loud/Resource');
    // Exactly its control: the queue's other failures still count.
    expect(failures.filter((f) => f.includes('/Quiet/'))).toEqual([
      'CT.SQS.PR.2 (sqs_queue_encrypted_check) at Acknowledged/Stack/Quiet/Resource',
    ]);
    expect(failures.filter((f) => f.startsWith('CT.S3.PR.9'))).toEqual([]);
    expect(failures).toContain(
      'CT.S3.PR.4 (s3_event_notifications_enabled_check) at Acknowledged/Stack/Bucket/Resource',
    );
  });

  test("acknowledgments are the CDK's own: its policy validation with the same plugin honours them", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-plugin-'));
    const app = new App({ context: cdkJsonContext(), outdir });
    Validations.of(app).addPlugins(new CfnGuardValidator());
    const stack = new Stack(app, 'Importer');
    const quiet = new sqs.Queue(stack, 'Quiet', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    new sqs.Queue(stack, 'Loud', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    acknowledgeControl(quiet, 'CT.SQS.PR.1', 'a test of the mechanism, with a reason');
    // The CDK prints its report of the unacknowledged queue, and writes it with what was acknowledged.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const plugin = report.pluginReports.find((r: { pluginName: string }) => r.pluginName === 'cdk-validator-cfnguard');
    const paths = (violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[]) =>
      violations
        .filter((v) => v.ruleName === 'sqs_dlq_check')
        .flatMap((v) => v.violatingConstructs.map((c) => c.constructPath));
    expect(paths(plugin.violations)).toEqual(['Importer/Loud/Resource']);
    expect(paths(plugin.suppressedViolations)).toEqual(['Importer/Quiet/Resource']);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('every control a construct may acknowledge is named as the bundled rules name it', () => {
    const rulesDir = path.join(
      path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
      'rules',
      'control-tower',
      'cfn-guard',
    );
    for (const [control, rule] of Object.entries(CONTROL_TOWER_RULES)) {
      const [, service, number] = /^CT\.([A-Z0-9]+)\.PR\.(\d+)$/.exec(control)!;
      const file = fs
        .readdirSync(rulesDir, { recursive: true, encoding: 'utf8' })
        .find((f) => path.basename(f) === `ct-${service.toLowerCase()}-pr-${number}.guard`);
      const text = fs.readFileSync(path.join(rulesDir, file!), 'utf8');
      expect({
        control,
        rule,
        defined: text.includes(`rule ${rule} when`),
        names: text.includes(`[${control}]`),
      }).toEqual({
        control,
        rule,
        defined: true,
        names: true,
      });
    }
  });
});

describe('fixes that the controls asked for, in every stage', () => {
  test.each([...templates.keys()])(
    '%s: every KMS key lets only AWS services create grants (CT.KMS.PR.3)',
    (stageName) => {
      const keys = resourcesOf(templates.get(stageName)!, 'AWS::KMS::Key');
      expect(keys.length).toBeGreaterThan(5);
      for (const [id, key] of keys) {
        const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
        expect({ id, statement: statements.find((s) => s.Sid === 'GrantsOnlyForAwsResources') }).toEqual({
          id,
          statement: {
            Sid: 'GrantsOnlyForAwsResources',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          },
        });
      }
    },
  );

  test('constructs make customer-managed keys only through customerManagedKey', () => {
    const root = path.join(__dirname, '..', '..', 'constructs');
    const offenders = fs
      .readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter(
        (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== path.join('shared', 'customer-managed-key.ts'),
      )
      .filter((f) => /new kms\.Key\(/.test(fs.readFileSync(path.join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
    const { stage, stack } = smallStage('Keys');
    customerManagedKey(stack, 'Key', { description: 'test', removalPolicy: RemovalPolicy.DESTROY });
    expect(unacknowledgedControlTowerFailures(stage)).toEqual([]);
  });
});

describe('private buckets', () => {
  test('declare EventBridge notifications in their own properties; inherent controls acknowledged where made', () => {
    const { stage, stack } = smallStage('Buckets');
    const key = customerManagedKey(stack, 'Key', { description: 'test', removalPolicy: RemovalPolicy.DESTROY });
    privateBucket(stack, 'Bucket', {
      key,
      logPrefix: 'x/',
      removalPolicy: RemovalPolicy.DESTROY,
      whyNoReplication: 'test',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    const found = controlTowerFindings(stage);
    expect(found.filter((f) => !f.acknowledgment)).toEqual([]);
    expect(found.map((f) => `${f.control} at ${f.path}`).sort()).toEqual([
      'CT.S3.PR.10 at Buckets/Stack/BucketAccessLogs/Resource',
      'CT.S3.PR.2 at Buckets/Stack/BucketAccessLogs/Resource',
      'CT.S3.PR.4 at Buckets/Stack/BucketAccessLogs/Resource',
      'CT.S3.PR.9 at Buckets/Stack/Bucket/Resource',
      'CT.S3.PR.9 at Buckets/Stack/BucketAccessLogs/Resource',
    ]);
  });

  test('one whose caller adds notifications must say so, or the two configurations would fight', () => {
    const { stack } = smallStage('Fight');
    const key = customerManagedKey(stack, 'Key', { description: 'test', removalPolicy: RemovalPolicy.DESTROY });
    const queue = new sqs.Queue(stack, 'Queue');
    privateBucket(stack, 'Bucket', {
      key,
      logPrefix: 'x/',
      removalPolicy: RemovalPolicy.DESTROY,
      whyNoReplication: 'test',
    }).addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue));
    expect(() => Template.fromStack(stack)).toThrow(/addEventNotification would replace them.*eventBridge: false/);
  });
});

/**
 * The findings inherent to the design, the only ones an acknowledgment may cover: by control, the
 * resources (path below the stage's platform stack) and the stages where each may be acknowledged.
 */
const INHERENT: readonly { control: string; path: RegExp; stages?: readonly string[] }[] = [
  // Object Lock conflicts with retention deletes and tear-down.
  { control: 'CT.S3.PR.9', path: /^(Serving\/ModelBucket|Embeddings\/IngestionBucket)(AccessLogs)?\/Resource$/ },
  // Server access logs cannot target SSE-KMS; the log bucket is not logged again, nor notified on.
  { control: 'CT.S3.PR.10', path: /^(Serving\/ModelBucket|Embeddings\/IngestionBucket)AccessLogs\/Resource$/ },
  { control: 'CT.S3.PR.2', path: /^(Serving\/ModelBucket|Embeddings\/IngestionBucket)AccessLogs\/Resource$/ },
  { control: 'CT.S3.PR.4', path: /^(Serving\/ModelBucket|Embeddings\/IngestionBucket)AccessLogs\/Resource$/ },
  // A dead-letter queue for each dead-letter queue.
  {
    control: 'CT.SQS.PR.1',
    path: /^((CostGuardrails\/KillSwitch(\/Topic)?)|Jobs|Embeddings|Observability\/Alarms)\/DeadLetters\/Resource$/,
  },
  // The CDK's helper functions outside the VPC, and the kubectl provider's in it that the rule cannot see.
  {
    control: 'CT.LAMBDA.PR.3',
    path: /^(Custom::VpcRestrictDefaultSGCustomResourceProvider\/Handler|Serving\/Cluster\/KubectlProvider\/(Handler|Provider\/framework-onEvent)\/Resource)$/,
  },
  // Aurora without deletion protection where environments must stay destroyable.
  { control: 'CT.RDS.PR.3', path: /^VectorStore\/Cluster\/Resource$/, stages: ['Dev', 'Staging'] },
  // The kubectl provider's log groups.
  {
    control: 'CT.CLOUDWATCH.PR.3',
    path: /^Serving\/Cluster\/KubectlProvider\/(Handler|Provider\/framework-onEvent)\/LogGroup\/Resource$/,
  },
];

describe('every stage', () => {
  test.each(stages.map((stage) => stage.name))('%s has no unacknowledged Control Tower failure', (stageName) => {
    const unacknowledged = findings.get(stageName)!.filter((f) => f.acknowledgment === undefined);
    expect(unacknowledged.map((f) => `${f.control} at ${f.path}`)).toEqual([]);
  });

  test('what is acknowledged is inherent to the design, each with its reason', () => {
    const acknowledged = stages.flatMap((stage) =>
      findings
        .get(stage.name)!
        .filter((f) => f.acknowledgment !== undefined)
        .map((f) => ({ ...f, stage: stage.name, below: f.path.slice(`${stage.platform.hierarchicalId}/`.length) })),
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    const outside = acknowledged.filter(
      (f) =>
        !INHERENT.some(
          (i) => i.control === f.control && i.path.test(f.below) && (i.stages ?? [f.stage]).includes(f.stage),
        ),
    );
    expect(outside.map((f) => `${f.control} at ${f.path}`)).toEqual([]);
    for (const f of acknowledged) {
      expect(f.acknowledgment!.startsWith(`${f.control}: `)).toBe(true);
      expect(f.acknowledgment!.length).toBeGreaterThan(150);
    }
    expect([...new Set(acknowledged.map((f) => f.control))].sort()).toEqual(
      expect.arrayContaining(['CT.S3.PR.9', 'CT.SQS.PR.1']),
    );
  });

  test('Aurora: deletion protection on in production, off only where the environment must stay destroyable', () => {
    const protection = Object.fromEntries(
      [...templates].map(([name, template]) => [
        name,
        resourcesOf(template, 'AWS::RDS::DBCluster').map(([, c]) => c.Properties.DeletionProtection),
      ]),
    );
    expect(protection).toEqual({ Dev: [false], Staging: [false], Prod: [true] });
  });
});
