import { ArnFormat, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { greaterThanPattern } from './content-length';

/**
 * Rules of the AWS managed Common rule set that inspect the body. An LLM API's body is prose and
 * code: prompts legitimately hold HTML, SQL, file paths and URLs ("explain this <script> tag"),
 * which these signatures block. The gateway treats the body as data (it never renders, executes or
 * fetches anything from it, and base URLs come only from its config), so they are counted, not
 * enforced. `SizeRestrictions_BODY` (8 KB) would block every long prompt: it is replaced by the
 * body-size rule at the gateway's own limit.
 */
export const COUNTED_COMMON_BODY_RULES = [
  'SizeRestrictions_BODY',
  'CrossSiteScripting_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'EC2MetaDataSSRF_BODY',
] as const;

export interface GatewayWebAclProps {
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
  /** Bodies declared larger than this are blocked: the gateway's `limits.maxBodyBytes`. */
  readonly maxBodyBytes: number;
  /** Requests per client IP within `rateWindowSeconds` before the IP is blocked. */
  readonly ratePerIp: number;
  /** The window of the rate-based rule: 60, 120, 300 or 600 seconds. */
  readonly rateWindowSeconds: number;
  /** Key of the log group of firewall decisions. */
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

function managed(name: string, priority: number, countRules: readonly string[] = []): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: countRules.length
          ? countRules.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
          : undefined,
      },
    },
    visibilityConfig: visibility(name),
  };
}

/** A regional WAF web ACL for the gateway's API stage, with its decisions logged (keys redacted). */
export class GatewayWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: GatewayWebAclProps) {
    super(scope, id);
    const name = `${Stack.of(this).stackName}-${this.node.id}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128);
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'LLM gateway API: AWS managed rules, body size at the gateway limit, rate per IP',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('llm-gateway-api'),
      rules: [
        managed('AWSManagedRulesAmazonIpReputationList', 0),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 1),
        managed('AWSManagedRulesCommonRuleSet', 2, COUNTED_COMMON_BODY_RULES),
        {
          name: 'BodyLargerThanGatewayLimit',
          priority: 3,
          action: { block: {} },
          statement: {
            regexMatchStatement: {
              fieldToMatch: { singleHeader: { Name: 'content-length' } },
              regexString: greaterThanPattern(props.maxBodyBytes),
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          visibilityConfig: visibility('BodyLargerThanGatewayLimit'),
        },
        {
          name: 'RatePerClientIp',
          priority: 4,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.ratePerIp,
              aggregateKeyType: 'IP',
              evaluationWindowSec: props.rateWindowSeconds,
            },
          },
          visibilityConfig: visibility('RatePerClientIp'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    // WAF writes only to log groups whose name starts with aws-waf-logs-.
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `aws-waf-logs-${name}`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // WAF logs carry request headers: never the caller's key.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'x-api-key' } }],
    });
  }
}
