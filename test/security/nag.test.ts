import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { parseEnvironmentConfig } from '../../lib/config/load';
import { ENVIRONMENTS } from '../../lib/config/environments';
import { LlmPlatformStack } from '../../lib/llm-platform-stack';
import { PLATFORM_ACKNOWLEDGMENTS } from '../../lib/security/acknowledgments';
import { unacknowledgedNagErrors as unacknowledgedFindings } from '../../lib/security/nag-packs';
import { testApp } from '../support/platform-app';
import { synthesizedStages } from '../support/stage-assembly';

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
    for (const ack of PLATFORM_ACKNOWLEDGMENTS) {
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
