import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { parseEnvironmentConfig } from '../../lib/config/load';
import { ENVIRONMENTS } from '../../lib/config/environments';
import { LlmPlatformStack } from '../../lib/llm-platform-stack';
import { RECORD_ONLY_CONTEXT, nagAcknowledgmentsBelow } from '../../constructs/shared/nag-acknowledgments';
import { PLATFORM_ACKNOWLEDGMENTS } from '../../lib/security/acknowledgments';
import { unacknowledgedNagErrors as unacknowledgedFindings } from '../../lib/security/nag-packs';
import { cdkJsonContext, testApp } from '../support/platform-app';
import { synthesizedStages } from '../support/stage-assembly';

/** Every acknowledgment of the platform: those the constructs make (recorded by the run's setup), and the composition's own. */
const everyAcknowledgment = [
  ...synthesizedStages().flatMap((stage) => stage.findings.nagAcknowledgments),
  ...PLATFORM_ACKNOWLEDGMENTS,
];

describe('cdk-nag gate (AwsSolutions, NIST 800-53 rev 5, Serverless)', () => {
  // Found by the rule packs on each stage's construct tree in the run's global setup (stage-assembly.ts).
  test.each(synthesizedStages().map((stage) => [stage.name, stage] as const))(
    '%s has no unacknowledged finding',
    (_name, stage) => {
      expect(stage.findings.nag).toEqual([]);
    },
  );

  test('the gate bites: a deliberately insecure construct fails it', () => {
    const app = testApp();
    const stack = new Stack(app, 'Insecure');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const sg = new ec2.SecurityGroup(stack, 'OpenSsh', { vpc });
    sg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
    new s3.Bucket(stack, 'PlainBucket', { enforceSSL: false });

    const findings = unacknowledgedFindings(stack);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/AwsSolutions: AwsSolutions-EC23 at .*OpenSsh/),
        expect.stringMatching(/NIST.800.53.R5: NIST.800.53.R5-EC2RestrictedSSH at .*OpenSsh/),
        expect.stringMatching(/AwsSolutions: AwsSolutions-S10 at .*PlainBucket/),
        expect.stringMatching(/AwsSolutions: AwsSolutions-VPC7 at .*Vpc/),
      ]),
    );
  });

  test('an acknowledgment silences exactly its rule on its construct', () => {
    const app = testApp();
    const stack = new Stack(app, 'Acknowledged');
    const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: false });
    const before = unacknowledgedFindings(stack).filter((f) => f.includes('AwsSolutions-S10'));
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S10', reason: 'test' });
    const after = unacknowledgedFindings(stack);
    expect(before).toHaveLength(1);
    expect(after.filter((f) => f.includes('AwsSolutions-S10'))).toEqual([]);
    expect(after.some((f) => f.includes('AwsSolutions-S1 '))).toBe(true);
  });

  test('every acknowledgment carries a reason a reviewer can judge', () => {
    expect(everyAcknowledgment.length).toBeGreaterThan(PLATFORM_ACKNOWLEDGMENTS.length);
    for (const ack of everyAcknowledgment) {
      expect(ack.reason.length).toBeGreaterThan(80);
      expect(ack.rule).toMatch(/^(AwsSolutions|NIST\.800\.53\.R5|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
    }
  });
});

test('every platform acknowledgment is still needed: without it some environment has that finding', () => {
  // Some findings exist only where highAvailability is false (a single cache node, no deletion
  // protection in dev), so the bare stacks of every environment are checked together.
  const app = testApp();
  const findings = Object.entries(ENVIRONMENTS).flatMap(([key, input]) => {
    const id = `Bare${key}`;
    const bare = new LlmPlatformStack(app, id, { config: parseEnvironmentConfig(key, input) });
    return unacknowledgedFindings(bare).map((f) => f.replace(` at ${id}/`, ' at Bare/'));
  });
  for (const ack of PLATFORM_ACKNOWLEDGMENTS) {
    const hits = findings.filter((f) => {
      if (!f.includes(`${ack.rule} at Bare/`)) return false;
      const path = f.split(' at Bare/')[1];
      return ack.path.test(path) || ack.path.test(path.replace(/\/Resource$/, ''));
    });
    expect({ rule: ack.rule, path: String(ack.path), hits: hits.length > 0 }).toEqual({
      rule: ack.rule,
      path: String(ack.path),
      hits: true,
    });
  }
});

test('the platform acknowledges exactly these rules (a new one is a reviewed change)', () => {
  const rules = [...new Set(everyAcknowledgment.map((ack) => ack.rule.replace(/\[.*$/, '')))].sort();
  expect(rules).toEqual(ACKNOWLEDGED_RULES);
});

/**
 * The ceiling on distinct acknowledged rules. Issue 17's target is 20 (about 10 of them for the
 * eks-v2 kubectl provider, which cannot be configured); the platform is at 27 after the fixes made
 * so far (APIGWSSLEnabled met by a client certificate). The rest are inherent to the design or to an
 * environment's choice, each with its reason; lowering this needs those choices changed (see the
 * issue's closing note). Meanwhile the ceiling keeps a new rule from coming in unreviewed.
 */
const MAX_DISTINCT_RULES = 27;

/** The distinct cdk-nag rule ids (without the finding in brackets) acknowledged anywhere in a synthesized stack. */
function acknowledgedNagRules(stack: CloudFormationStackArtifact): string[] {
  const rules = new Set<string>();
  for (const entry of stack.findMetadataByType(Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
    for (const id of Object.keys(entry.data as unknown as Record<string, string>)) {
      const rule = /^(?:Annotation::)?((?:AwsSolutions|NIST\.800\.53\.R5|Serverless)-[A-Za-z0-9]+)(?:\[.*\])?$/.exec(
        id,
      );
      if (rule) rules.add(rule[1]);
    }
  }
  return [...rules].sort();
}

describe('distinct cdk-nag rules acknowledged, as the deployed stages record them', () => {
  // Read from the cloud assembly (each stack's `aws:cdk:acknowledged-rules` metadata), so every
  // acknowledgment counts however it was made: the constructs', the composition's, model serving's.
  const perStage = synthesizedStages().map((stage) => acknowledgedNagRules(stage.platform));
  const distinct = [...new Set(perStage.flat())].sort();

  test('the assembly records the same rules the constructs and the composition acknowledge', () => {
    expect(distinct).toEqual(ACKNOWLEDGED_RULES);
  });

  test(`at most ${MAX_DISTINCT_RULES} distinct rules across the platform`, () => {
    expect(distinct.length).toBeLessThanOrEqual(MAX_DISTINCT_RULES);
  });

  test('the count bites: it reads every rule pack, strips the finding, and a rule over the limit fails it', () => {
    const app = testApp();
    const stack = new Stack(app, 'Counted');
    const bucket = new s3.Bucket(stack, 'Bucket');
    for (const id of [
      'AwsSolutions-S1',
      'NIST.800.53.R5-S3BucketLoggingEnabled',
      'Serverless-S3Foo',
      'AwsSolutions-IAM5[Resource::*]',
    ]) {
      Validations.of(bucket).acknowledge({ id, reason: 'counted' });
    }
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-IAM5[Action::s3:*]', reason: 'counted' });
    Validations.of(stack).acknowledge({
      id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
      reason: 'not nag',
    });
    const artifact = app.synth().getStackByName('Counted');
    const counted = acknowledgedNagRules(artifact);
    expect(counted).toEqual([
      'AwsSolutions-IAM5',
      'AwsSolutions-S1',
      'NIST.800.53.R5-S3BucketLoggingEnabled',
      'Serverless-S3Foo',
    ]);
    expect(() => expect(counted.length).toBeLessThanOrEqual(3)).toThrow();
  });
});

test('every acknowledgment a construct makes is still needed: without it, its construct has that finding', () => {
  // The constructs record their acknowledgments without making them; the stacks are bare (no lib/ ones).
  const app = new App({ context: { ...cdkJsonContext(), [RECORD_ONLY_CONTEXT]: true } });
  const findings = Object.entries(ENVIRONMENTS).flatMap(([key, input]) =>
    unacknowledgedFindings(new LlmPlatformStack(app, `Bare${key}`, { config: parseEnvironmentConfig(key, input) })),
  );
  const made = nagAcknowledgmentsBelow(app);
  expect(made.length).toBeGreaterThan(0);
  const unneeded = made.filter(
    (ack) =>
      !findings.some((f) => f.includes(`: ${ack.rule} at ${ack.path}/`) || f.endsWith(`: ${ack.rule} at ${ack.path}`)),
  );
  expect([...new Set(unneeded.map((ack) => `${ack.rule} at ${ack.path}`))]).toEqual([]);
});

/** The distinct cdk-nag rules acknowledged anywhere in the platform. */
const ACKNOWLEDGED_RULES = [
  'AwsSolutions-AEC4',
  'AwsSolutions-AEC6',
  'AwsSolutions-APIG4',
  'AwsSolutions-COG4',
  'AwsSolutions-IAM4',
  'AwsSolutions-IAM5',
  'AwsSolutions-L1',
  'AwsSolutions-RDS10',
  'AwsSolutions-SMG4',
  'AwsSolutions-SQS3',
  'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
  'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
  'NIST.800.53.R5-DynamoDBInBackupPlan',
  'NIST.800.53.R5-IAMNoInlinePolicy',
  'NIST.800.53.R5-LambdaConcurrency',
  'NIST.800.53.R5-LambdaDLQ',
  'NIST.800.53.R5-RDSInBackupPlan',
  'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled',
  'NIST.800.53.R5-S3BucketReplicationEnabled',
  'NIST.800.53.R5-S3DefaultEncryptionKMS',
  'NIST.800.53.R5-SecretsManagerRotationEnabled',
  'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
  'Serverless-LambdaDLQ',
  'Serverless-LambdaDefaultMemorySize',
  'Serverless-LambdaEventSourceMappingDestination',
  'Serverless-LambdaLatestVersion',
  'Serverless-SQSRedrivePolicy',
];
