import type { BreakerPermit, BreakerStore } from '../resilience/breaker';
import type { MetricWriter } from './emf';

/**
 * Breaker transitions as metrics. A refusal and a probe's success are known from the permit; an
 * opening from the store, which says whether the failure it counted opened the breaker (atomically,
 * so one opening is counted once whichever instances fail at the same instant).
 */
export function instrumentBreaker(store: BreakerStore, metrics: MetricWriter): BreakerStore {
  const emit = (
    deployment: string,
    values: { BreakerOpened?: number; BreakerClosed?: number; BreakerRejected?: number },
  ) => metrics.emit('breaker', { Deployment: deployment }, values);
  return {
    async acquire(deployment) {
      const permit = await store.acquire(deployment);
      if (!permit.allowed) emit(deployment, { BreakerRejected: 1 });
      return permit;
    },
    async recordSuccess(deployment, permit: BreakerPermit) {
      await store.recordSuccess(deployment, permit);
      if (permit.probe) emit(deployment, { BreakerClosed: 1 });
    },
    async recordFailure(deployment, permit: BreakerPermit) {
      const opened = await store.recordFailure(deployment, permit);
      if (opened) emit(deployment, { BreakerOpened: 1 });
      return opened;
    },
    release: (deployment, permit: BreakerPermit) => store.release(deployment, permit),
    state: (deployment) => store.state(deployment),
  };
}
