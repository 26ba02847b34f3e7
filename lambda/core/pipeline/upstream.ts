import type { Deployment, GatewayConfig, ProviderKind } from '../../contract/config/gateway-config';
import type { CredentialSource } from '../config/credentials';
import type { CallContext, ProviderClient } from '../providers/provider';
import { UpstreamError } from '../providers/upstream-error';
import type { BreakerStore } from '../resilience/breaker';
import {
  callWithFailover,
  type Attempted,
  type BreakerSettlement,
  type PrefetchedPermit,
} from '../resilience/failover';
import type { CallScope } from './call-scope';

/** One deployment's answer with what the call needs to account for it. */
export interface Answered<T> extends Attempted<T> {
  readonly deployment: Deployment;
  /** The deployment's breaker, when the answer was still arriving (`settleLater`). */
  readonly breaker: BreakerSettlement;
}

/**
 * The way to the providers: which client speaks to a deployment, its credential, and the failover
 * search over a route's deployments, reporting into the call's scope.
 */
export class Upstream {
  constructor(
    private readonly config: GatewayConfig,
    private readonly providers: Readonly<Record<ProviderKind, ProviderClient>>,
    private readonly breaker: BreakerStore,
    private readonly credentials: CredentialSource,
  ) {}

  provider(deploymentId: string): ProviderClient {
    return this.providers[this.config.deployments[deploymentId].provider];
  }

  /**
   * Tries `deployments` in order (retries, breakers, failover) with `attempt`, which gets each
   * deployment's call context. `signal` aborts the provider calls (the client's, by default).
   */
  async call<T>(
    scope: CallScope,
    deployments: readonly string[],
    attempt: (deploymentId: string, context: CallContext) => Promise<T>,
    options: {
      readonly prefetched?: PrefetchedPermit;
      readonly signal?: AbortSignal;
      /** The answer is a stream: its breaker outcome is settled when it ends (`Answered.breaker`). */
      readonly settleLater?: boolean;
    } = {},
  ): Promise<Answered<T>> {
    const result = await callWithFailover({
      deployments,
      breaker: this.breaker,
      retry: this.config.retry,
      attempt: async (id) => attempt(id, await this.context(id, scope, options.signal ?? scope.signal)),
      prefetched: options.prefetched,
      events: scope.failoverEvents,
      settleLater: options.settleLater,
    });
    return { ...result, deployment: this.config.deployments[result.deploymentId] };
  }

  private async context(deploymentId: string, scope: CallScope, signal: AbortSignal): Promise<CallContext> {
    const deployment = this.config.deployments[deploymentId];
    let apiKey: string | undefined;
    if (deployment.credential) {
      apiKey = await this.credentials.get(deployment.credential);
      if (!apiKey) {
        throw new UpstreamError('credential', `no value is set for credential "${deployment.credential}"`, {
          deployment: deploymentId,
        });
      }
    }
    return {
      deploymentId,
      deployment,
      apiKey,
      signal,
      requestId: scope.requestId,
      traceparent: scope.traceparent,
    };
  }
}
