import type { Duration } from 'aws-cdk-lib';
import { KEY_NAME } from '../../lambda/contract/api-keys';
import type { PropsCheck } from '../shared/validation';
import type { GatewayApiProps, UsageTier } from './gateway-api-props';

/** The largest body API Gateway REST APIs accept. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;

/** The props with their defaults applied, as the checks read them. */
export interface ResolvedGatewayApiProps {
  readonly tiers: Readonly<Record<string, UsageTier>>;
  readonly ratePerIp: number;
  readonly rateWindowSeconds: number;
  readonly cacheTtl: Duration;
}

/** Records on `check` every problem of the API's props, each with what to do. */
export function checkGatewayApiProps(
  check: PropsCheck,
  props: GatewayApiProps,
  resolved: ResolvedGatewayApiProps,
): void {
  const { tiers, ratePerIp, rateWindowSeconds, cacheTtl } = resolved;
  check.expect(Object.keys(tiers).length > 0, 'tiers is empty; give at least one usage tier');
  for (const tier of Object.keys(tiers)) {
    check.expect(
      KEY_NAME.test(tier) && !tier.includes(','),
      `tier "${tier}" is not a valid name: use lower-case letters, digits, '.', '_' or '-'`,
    );
  }
  check.expect(
    Number.isInteger(ratePerIp) && ratePerIp >= 10 && ratePerIp <= 2_000_000_000,
    `ratePerIp is ${ratePerIp}; WAF accepts 10 to 2,000,000,000 requests per window`,
  );
  check.expect(
    [60, 120, 300, 600].includes(rateWindowSeconds),
    `rateWindowSeconds is ${rateWindowSeconds}; WAF accepts 60, 120, 300 or 600`,
  );
  check.expect(
    cacheTtl.toSeconds() <= 3600,
    `authorizerCacheTtl is ${cacheTtl.toSeconds()} s; API Gateway caches verdicts for at most 3600 s`,
  );
  const { maxBodyBytes, timeout } = props.gateway;
  check.expect(
    maxBodyBytes <= API_GATEWAY_MAX_BODY,
    `the gateway accepts bodies up to ${maxBodyBytes} bytes but API Gateway refuses any above ${API_GATEWAY_MAX_BODY}: ` +
      'lower limits.maxBodyBytes in the gateway config',
  );
  check.expect(
    timeout.toSeconds() <= 900,
    `the gateway timeout is ${timeout.toSeconds()} s; a streamed response may last at most 15 minutes`,
  );
}
