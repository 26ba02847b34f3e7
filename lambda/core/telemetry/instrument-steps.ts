import { GatewayError } from '../http/errors';
import type { AdmissionControl, Authenticator, CallRouter, TierRouter } from '../pipeline/ports';
import { inSpan, type StepTracer } from './spans';

export type AdmissionName = 'kill_switch' | 'budget' | 'token_limit';

/** How a refusal counts on the step's span: a throttle, the caller's error, or a fault. */
function refusalKind(error: unknown): 'fault' | 'error' | 'throttle' {
  if (!(error instanceof GatewayError)) return 'fault';
  if (error.status === 429) return 'throttle';
  if (error.options.code === 'kill_switch') return 'error';
  return error.status >= 500 ? 'fault' : 'error';
}

/** A span `auth` per authentication, annotated with the tenant. */
export function instrumentAuthenticator(steps: StepTracer, auth: Authenticator): Authenticator {
  return {
    authenticate(authorization) {
      const span = steps.start('auth');
      try {
        const identity = auth.authenticate(authorization);
        span.annotate('tenant', identity.tenant);
        return identity;
      } catch (error) {
        span.fail(error, 'error');
        throw error;
      } finally {
        span.end();
      }
    },
  };
}

/** A span `admission:<name>` per check, annotated with the refusal's code. */
export function instrumentAdmission(
  steps: StepTracer,
  name: AdmissionName,
  control: AdmissionControl,
): AdmissionControl {
  return {
    admit: (facts) =>
      inSpan(
        steps,
        `admission:${name}`,
        async (span) => {
          try {
            return await control.admit(facts);
          } catch (error) {
            if (error instanceof GatewayError && error.options.code) span.annotate('refused', error.options.code);
            throw error;
          }
        },
        refusalKind,
      ),
  };
}

/** A span `route` per routing decision, annotated with the number of deployments. */
export function instrumentRouter(steps: StepTracer, router: CallRouter): CallRouter {
  return {
    route(facts) {
      const span = steps.start('route');
      try {
        const decision = router.route(facts);
        span.annotate('deployments', decision.deployments.length);
        return decision;
      } finally {
        span.end();
      }
    },
  };
}

/** A span `route:tier` per tier decision, annotated with the tier and the reason. */
export function instrumentTierRouter(steps: StepTracer, router: TierRouter): TierRouter {
  return {
    handles: (model) => router.handles(model),
    decide(input) {
      const span = steps.start('route:tier');
      try {
        const decision = router.decide(input);
        span.annotate('tier', decision.tier);
        span.annotate('reason', decision.reason);
        return decision;
      } finally {
        span.end();
      }
    },
  };
}
