import { Template } from 'aws-cdk-lib/assertions';
import { buildPlatform } from '../support/platform-app';

const { stages } = buildPlatform();
const byName = new Map(stages.map((stage) => [stage.stageName, stage]));

describe('LlmPlatformStack per environment', () => {
  test('each stage deploys to its configured region, account-agnostic when no account is known', () => {
    for (const stage of stages) {
      expect(stage.platform.region).toBe('us-east-1');
      expect(stage.platform.account).toMatch(/^\$\{Token/);
    }
  });

  test('prod is protected from deletion and keeps its logs; dev cleans up after itself', () => {
    const prod = byName.get('Prod')!.platform;
    const dev = byName.get('Dev')!.platform;
    expect(prod.terminationProtection).toBe(true);
    expect(dev.terminationProtection).toBe(false);
    Template.fromStack(prod).hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    Template.fromStack(dev).hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('prod spreads across three zones with a NAT gateway in each; dev uses one', () => {
    Template.fromStack(byName.get('Prod')!.platform).resourceCountIs('AWS::EC2::NatGateway', 3);
    Template.fromStack(byName.get('Dev')!.platform).resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('every resource is tagged with the platform, the environment and the config tags', () => {
    const template = Template.fromStack(byName.get('Staging')!.platform);
    template.hasResourceProperties('AWS::EC2::VPC', {
      Tags: [
        { Key: 'cost-center', Value: 'llm-platform-staging' },
        { Key: 'environment', Value: 'staging' },
        { Key: 'Name', Value: 'Staging/Platform/Network/Vpc' },
        { Key: 'platform', Value: 'llm-platform' },
      ],
    });
  });

  test('environments do not overlap in address space', () => {
    const cidrs = stages
      .map((stage) => Template.fromStack(stage.platform).findResources('AWS::EC2::VPC'))
      .map((vpcs) => Object.values(vpcs)[0].Properties.CidrBlock);
    expect(new Set(cidrs).size).toBe(cidrs.length);
  });
});
