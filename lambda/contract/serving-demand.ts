/**
 * The demand signal of self-hosted deployments that scale to zero. A deployment at zero replicas
 * has no server, so none of its own metrics exist to wake it; the gateway, which is the one that
 * wanted it, leaves the trace instead. Every time the gateway gives up on such a deployment (an
 * attempt failed, or its breaker refused the call) and fails over or fails, it pushes one entry on
 * a Redis list; KEDA's `redis` scaler on the workload's ScaledObject reads that list's length, and
 * any entry wakes the workload from zero. The list expires when nobody has wanted the deployment
 * for `ttlSeconds`, so the signal falls back to zero by itself.
 *
 * Both sides take the key from here: the gateway's recorder (lambda/core/resilience/serving-demand.ts)
 * and the chart's KEDA trigger (constructs/model-serving/charts/triggers.ts).
 */
export const SERVING_DEMAND = {
  /** The key prefix every gateway store uses (ElastiCache's gateway user may touch only these keys). */
  redisPrefix: 'llmgw:',
  /** After the prefix: `serving-demand:{<deployment id>}` (a hash tag, one slot per deployment). */
  keyPart: 'serving-demand:',
  /**
   * How long a recorded want keeps the workload awake after the last one. Longer than a cold start
   * (node, image, weights, warm-up: minutes), so that the callers who woke it still find it up.
   */
  ttlSeconds: 900,
  /** Entries kept: enough to read as "wanted", bounded so a storm of failovers costs no memory. */
  maxEntries: 100,
  /**
   * The scaler's `activationListLength`: more entries than this wake the workload (so one is enough).
   */
  activationEntries: 0,
  /**
   * The scaler's `listLength`, the per-replica target once awake. Above `maxEntries`, so the signal
   * only ever asks for one replica: from there the servers' own load signals scale out.
   */
  entriesPerReplica: 1_000,
} as const;

/** The Redis list holding the wants of one deployment (its id in the gateway config). */
export function servingDemandKey(deploymentId: string, redisPrefix: string = SERVING_DEMAND.redisPrefix): string {
  return `${redisPrefix}${SERVING_DEMAND.keyPart}{${deploymentId}}`;
}
