import { HandlerTelemetry } from '../../lambda/adapters/handler-telemetry';
import type { TraceRecord } from '../../lambda/core/trace/record';
import { captureOutput, emfDocuments, type EmfDocument } from '../support/capture-output';
import { synthesizedStage } from '../support/stage-assembly';
import type { TemplateJson } from '../support/metric-wiring';

/**
 * Spend from a service beside the gateway reaches the alarms that stop spending: the jobs worker
 * of the production stage, with the environment its template gives it, records a call through
 * the same telemetry its handler builds (`lambda/jobs-worker/handler.ts`); the EMF it writes is
 * summed the way CloudWatch sums it for the hard alarm's metric, and crosses its threshold.
 */

type Resource = TemplateJson['Resources'][string];
const template = () => synthesizedStage('Prod').template.toJSON() as TemplateJson;

function functionOf(service: string): Record<string, string> {
  const fn = Object.values(template().Resources).find(
    (r: Resource) =>
      r.Type === 'AWS::Lambda::Function' &&
      (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
        ?.POWERTOOLS_SERVICE_NAME === service,
  );
  if (!fn) throw new Error(`No function of service ${service} in the Prod stage`);
  return (fn.Properties!.Environment as { Variables: Record<string, string> }).Variables;
}

function alarmNamed(suffix: string): Record<string, unknown> {
  const alarm = Object.values(template().Resources).find(
    (r) => r.Type === 'AWS::CloudWatch::Alarm' && String(r.Properties?.AlarmName).endsWith(suffix),
  );
  if (!alarm) throw new Error(`No alarm named *${suffix} in the Prod stage`);
  return alarm.Properties!;
}

/**
 * What CloudWatch holds for an alarm's metric after these EMF documents: the sum of the values of
 * every document of its namespace that names the metric with exactly its dimension set and values.
 */
function alarmSum(alarm: Record<string, unknown>, documents: readonly EmfDocument[]): number {
  if (typeof alarm.MetricName !== 'string') {
    throw new Error('This alarm reads metric math; evaluate its expression over its MetricStats here.');
  }
  expect(alarm.Statistic).toBe('Sum');
  const dimensions = Object.fromEntries(
    ((alarm.Dimensions as Array<{ Name: string; Value: string }>) ?? []).map((d) => [d.Name, d.Value]),
  );
  const names = Object.keys(dimensions).sort().join(',');
  let sum = 0;
  for (const doc of documents) {
    if (doc.namespace !== alarm.Namespace) continue;
    const metric = doc.metrics.find((m) => m.name === alarm.MetricName);
    if (!metric) continue;
    const hasSet = doc.dimensionSets.some((set) => [...set].sort().join(',') === names);
    const sameValues = Object.entries(dimensions).every(([name, value]) => doc.values[name] === value);
    if (hasSet && sameValues) sum += metric.value as number;
  }
  return sum;
}

function workerCall(costMicroUsd: number): TraceRecord {
  return {
    requestId: 'job-1',
    route: '/v1/chat/completions',
    tenant: 'acme',
    feature: 'nightly-summaries',
    model: 'gpt-4o-mini',
    stream: false,
    attempts: 1,
    failovers: 0,
    inputTokens: 1_000,
    outputTokens: 500,
    cachedInputTokens: 0,
    costMicroUsd,
    latencyMs: 1_200,
    status: 200,
    outcome: 'success',
  };
}

/** Runs `work` with the telemetry the worker's handler builds from its deployed environment. */
function asDeployed(service: string, work: (telemetry: HandlerTelemetry) => void): EmfDocument[] {
  const env = functionOf(service);
  const telemetry = new HandlerTelemetry({
    serviceName: env.POWERTOOLS_SERVICE_NAME,
    namespace: env.POWERTOOLS_METRICS_NAMESPACE,
    env,
    logLevel: 'SILENT',
  });
  const output = captureOutput();
  try {
    work(telemetry);
  } finally {
    output.restore();
  }
  return emfDocuments(output.lines());
}

test.each(['llm-jobs-worker', 'llm-embeddings-worker', 'llm-embeddings-api'])(
  "%s: a call's spend counts in the daily hard spend alarm that flips the kill switch",
  (service) => {
    const hard = alarmNamed('-llm-spend-total-hard');
    const threshold = hard.Threshold as number;
    const documents = asDeployed(service, (telemetry) =>
      telemetry.gatewayTelemetry().record(workerCall(threshold + 1_000_000)),
    );
    expect(documents.length).toBeGreaterThan(0);
    expect(alarmSum(hard, documents)).toBe(threshold + 1_000_000);
    expect(alarmSum(hard, documents)).toBeGreaterThan(threshold);
    // The soft alarm and the anomaly band read the same series.
    expect(alarmSum(alarmNamed('-llm-spend-total-soft'), documents)).toBe(threshold + 1_000_000);
  },
);

test("a budget's soft threshold crossed in the jobs worker raises the alarm, with no tenant dimension", () => {
  const alarm = alarmNamed('-llm-budget-soft-threshold');
  expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  expect(alarm.Dimensions).toBeUndefined();
  const documents = asDeployed('llm-jobs-worker', (telemetry) =>
    telemetry.gatewayTelemetry().events.onBudgetSoftThreshold({
      budget: 'budget:tenant:acme',
      tenant: 'acme',
      spentMicroUsd: 70_000_000,
      limitMicroUsd: 100_000_000,
    }),
  );
  expect(alarmSum(alarm, documents)).toBe(1);
  for (const doc of documents) expect(doc.dimensionSets.flat()).not.toContain('Tenant');
  // Which tenant and budget: the description's query reads the log line the worker wrote.
  expect(alarm.AlarmDescription).toContain('filter message = "llm.budget.soft_threshold"');
  expect(alarm.AlarmDescription).toContain('budget.tenant');
});
