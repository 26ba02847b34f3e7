import {
  COLD_START_METRIC,
  DEFAULT_METRICS_NAMESPACE,
  METRIC_GROUPS,
  catalogRows,
  type MetricGroupSpec,
} from '../lambda/contract/metrics';
import { ERROR_CLASSES } from '../lambda/contract/error-classes';

/**
 * The metric reference (docs/metrics.md), written from the catalog the handlers and dashboards
 * use, so that the documented names, units and dimensions are the emitted ones.
 */
export function metricsReference(): string {
  const lines = [
    '# Gateway metrics',
    '',
    'Generated from `lambda/contract/metrics.ts` by `npm run docs:dashboard`; a test fails when it',
    'is out of date. Every metric is in the namespace `' + DEFAULT_METRICS_NAMESPACE + "` (or the function's",
    '`POWERTOOLS_METRICS_NAMESPACE`) and carries `service` (`llm-gateway` for the gateway), except the',
    'platform-wide groups (spend, budget thresholds): every service that runs the gateway (the gateway, the',
    'jobs worker, the embedding API and worker) writes those without `service`, into one series the spend',
    'alarms and the kill switch read. Micro-dollars: 1,000,000 = $1.',
    '',
    '| metric | unit | dimension sets | what one value means |',
    '| --- | --- | --- | --- |',
    ...catalogRows().map(
      (row) =>
        `| \`${row.metric}\` | ${row.unit} | ${row.dimensionSets.map((set) => set.join(' + ') || '(none: the platform total)').join('<br>')} | ${row.description} |`,
    ),
    `| \`${COLD_START_METRIC}\` | Count | service + function_name | A Lambda execution environment started (Powertools). |`,
    '',
    '## When each group is written',
    '',
    'One EMF document per group and event; every metric of the group gets every dimension set.',
    '',
    '| group | written when | metrics |',
    '| --- | --- | --- |',
    ...(Object.entries(METRIC_GROUPS) as Array<[string, MetricGroupSpec]>).map(
      ([name, group]) => `| ${name} | ${group.emittedWhen} | ${group.metrics.map((m) => `\`${m}\``).join(', ')} |`,
    ),
    '',
    '## Error classes (`ErrorClass`)',
    '',
    "Faults are the platform's failures and feed the error-rate alarm; the rest are refusals it meant to make.",
    '',
    '| class | fault | meaning |',
    '| --- | --- | --- |',
    ...Object.entries(ERROR_CLASSES).map(
      ([name, spec]) => `| \`${name}\` | ${spec.fault ? 'yes' : 'no'} | ${spec.description} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
