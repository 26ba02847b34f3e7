import {
  COLD_START_METRIC,
  DEFAULT_METRICS_NAMESPACE,
  GATEWAY_RUNNING_SERVICES,
  METRIC_GROUPS,
  seriesDimensions,
  type MetricGroupSpec,
} from '../../lambda/contract/metrics';
import { METRICS_DIMENSION_ENV } from '../../lambda/contract/environment';

/**
 * What a stage's alarms and dashboards read, and what its functions, AWS services and agents write,
 * from the synthesized template alone: `test/stages/metric-wiring.test.ts` holds every read to a
 * writer of the same namespace, metric name and dimension set, and every alarm to a topic someone
 * reads.
 *
 * To extend it when a change adds a writer (a CloudWatch agent, a new function that runs the
 * gateway, a new AWS service): add an entry to {@link WRITERS}. A metric the platform writes itself
 * goes in the catalog (`lambda/contract/metrics.ts`), which the platform-function writer reads.
 */
export type TemplateJson = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Parameters?: Record<string, { Default?: string }>;
  Rules?: Record<string, { Assertions: Array<{ Assert: unknown; AssertDescription?: string }> }>;
};

/** One series a writer of the stage writes: dimension names exactly, and the values it pins. */
export interface WrittenSeries {
  readonly writer: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly string[];
  /** The only values the writer writes for these dimensions (its `service`, the tenants it lists). */
  readonly pinned: Readonly<Record<string, readonly string[]>>;
  /** Written by every function that runs the gateway, into one series (no `service`). */
  readonly platformWide?: boolean;
}

/** A writer of a whole namespace (an AWS service's vended metrics), whatever the names. */
export interface WrittenNamespace {
  readonly writer: string;
  readonly namespace: string;
}

export interface Writer {
  readonly name: string;
  /** What this writer writes in a stage, from its template. */
  series(template: TemplateJson): Array<WrittenSeries | WrittenNamespace>;
}

/** One metric an alarm or a dashboard reads. */
export type MetricRead =
  | {
      readonly kind: 'metric';
      readonly reader: string;
      readonly namespace: string;
      readonly metricName: string;
      readonly dimensions: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'search';
      readonly reader: string;
      readonly namespace: string;
      readonly metricName: string;
      /** The schema's dimension names (`{ns,dim,...}`), or undefined for a free search. */
      readonly dimensions?: readonly string[];
      readonly filters: Readonly<Record<string, string>>;
    };

const env = (props: Record<string, unknown> | undefined) =>
  ((props?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<
    string,
    unknown
  >;

/** The platform's Lambda functions: each writes `ColdStart`, and those that run the gateway every group. */
export const PLATFORM_FUNCTIONS: Writer = {
  name: 'platform functions (lambda/contract/metrics.ts)',
  series(template) {
    const written: WrittenSeries[] = [];
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const variables = env(resource.Properties);
      const service = variables.POWERTOOLS_SERVICE_NAME;
      if (typeof service !== 'string') continue;
      const namespace =
        typeof variables.POWERTOOLS_METRICS_NAMESPACE === 'string'
          ? variables.POWERTOOLS_METRICS_NAMESPACE
          : DEFAULT_METRICS_NAMESPACE;
      const writer = `${id} (${service})`;
      written.push({
        writer,
        namespace,
        metricName: COLD_START_METRIC,
        dimensions: ['function_name', 'service'],
        pinned: { service: [service] },
      });
      if (!(GATEWAY_RUNNING_SERVICES as readonly string[]).includes(service)) continue;
      // Tenants are written only when listed (`LLM_METRICS_TENANTS`, the dimension policy).
      const tenants = String(variables[METRICS_DIMENSION_ENV.tenants] ?? '')
        .split(',')
        .map((tenant) => tenant.trim())
        .filter(Boolean);
      for (const group of Object.values(METRIC_GROUPS) as MetricGroupSpec[]) {
        for (const set of group.dimensionSets) {
          const dimensions = seriesDimensions(group, set).sort();
          const pinned = {
            ...(group.platformWide ? {} : { service: [service] }),
            ...(set.includes('Tenant') ? { Tenant: tenants } : {}),
          };
          for (const metricName of group.metrics) {
            written.push({ writer, namespace, metricName, dimensions, pinned, platformWide: group.platformWide });
          }
        }
      }
    }
    return written;
  },
};

/** AWS services write their namespace for each resource of theirs in the stage. */
const VENDED: Record<string, readonly string[]> = {
  'AWS/Lambda': ['AWS::Lambda::Function'],
  'AWS/ApiGateway': ['AWS::ApiGateway::RestApi'],
  'AWS/SQS': ['AWS::SQS::Queue'],
  'AWS/ElastiCache': ['AWS::ElastiCache::ReplicationGroup', 'AWS::ElastiCache::ServerlessCache'],
  'AWS/RDS': ['AWS::RDS::DBCluster'],
};

export const AWS_SERVICES: Writer = {
  name: 'AWS services',
  series(template) {
    const types = new Set(Object.values(template.Resources).map((resource) => resource.Type));
    return Object.entries(VENDED)
      .filter(([, resourceTypes]) => resourceTypes.some((type) => types.has(type)))
      .map(([namespace, resourceTypes]) => ({ writer: resourceTypes.join(' / '), namespace }));
  },
};

/**
 * Every writer the stages have. A CloudWatch agent (Container Insights with Prometheus scraping for
 * the model servers, issue 24) adds its entry here when a construct deploys it.
 */
export const WRITERS: readonly Writer[] = [PLATFORM_FUNCTIONS, AWS_SERVICES];

/** Flattens `Fn::Join` with the tokens as `{{Ref X}}` text, so that a dashboard body parses as JSON. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map(flatten).join(separator);
  }
  if (value && typeof value === 'object' && 'Ref' in value) return `{{Ref ${(value as { Ref: string }).Ref}}}`;
  return `{{${JSON.stringify(value).replace(/"/g, "'")}}}`;
}

const SEARCH = /SEARCH\(\s*'((?:[^'\\]|\\.)*)'/g;

/** The metric reads of one SEARCH expression's query text. */
export function parseSearch(reader: string, query: string): MetricRead {
  const schema = /^\s*\{([^}]*)\}/.exec(query);
  const parts = schema ? schema[1].split(',').map((part) => part.trim().replace(/^"|"$/g, '')) : [];
  const rest = schema ? query.slice(schema[0].length) : query;
  const filters: Record<string, string> = {};
  for (const match of rest.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) filters[match[1]] = match[2];
  const { MetricName: metricName = '', Namespace: namespace, ...others } = filters;
  return {
    kind: 'search',
    reader,
    namespace: schema ? parts[0] : (namespace ?? ''),
    metricName,
    dimensions: schema ? parts.slice(1) : undefined,
    filters: others,
  };
}

interface MetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string; Value: unknown }> };
}

const dimensionsOf = (list: Array<{ Name: string; Value: unknown }> | undefined) =>
  Object.fromEntries((list ?? []).map((d) => [d.Name, d.Value]));

/** Every metric the alarms and dashboards of a template read. */
export function metricReads(template: TemplateJson): MetricRead[] {
  const reads: MetricRead[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      const reader = `alarm ${id}`;
      if (typeof props.MetricName === 'string') {
        reads.push({
          kind: 'metric',
          reader,
          namespace: props.Namespace as string,
          metricName: props.MetricName,
          dimensions: dimensionsOf(props.Dimensions as Array<{ Name: string; Value: unknown }>),
        });
      }
      for (const query of (props.Metrics as Array<{ MetricStat?: MetricStat; Expression?: string }>) ?? []) {
        if (query.MetricStat) {
          const m = query.MetricStat.Metric;
          reads.push({
            kind: 'metric',
            reader,
            namespace: m.Namespace,
            metricName: m.MetricName,
            dimensions: dimensionsOf(m.Dimensions),
          });
        }
        for (const match of (query.Expression ?? '').matchAll(SEARCH)) reads.push(parseSearch(reader, match[1]));
      }
    }
    if (resource.Type === 'AWS::CloudWatch::Dashboard') {
      const body = JSON.parse(flatten(props.DashboardBody)) as {
        widgets: Array<{ properties?: { title?: string; metrics?: unknown[][] } }>;
      };
      for (const widget of body.widgets) {
        const reader = `dashboard ${id}: ${widget.properties?.title ?? '(untitled)'}`;
        for (const row of widget.properties?.metrics ?? []) reads.push(...rowReads(reader, row));
      }
    }
  }
  return reads;
}

/** One row of a widget's `metrics`: `[ns, name, dim, value, ..., {options}]` or `[{ expression }]`. */
function rowReads(reader: string, row: unknown[]): MetricRead[] {
  const options = row.find((item) => typeof item === 'object' && item !== null) as { expression?: string } | undefined;
  const strings = row.filter((item): item is string => typeof item === 'string');
  if (options?.expression) return [...options.expression.matchAll(SEARCH)].map((m) => parseSearch(reader, m[1]));
  if (strings.length < 2) return [];
  const [namespace, metricName, ...pairs] = strings;
  const dimensions: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
  return [{ kind: 'metric', reader, namespace, metricName, dimensions }];
}

const sameSet = (a: readonly string[], b: readonly string[]) => [...a].sort().join(',') === [...b].sort().join(',');

/** Whether some written series (or namespace) is what `read` reads. */
export function isWritten(read: MetricRead, written: ReadonlyArray<WrittenSeries | WrittenNamespace>): boolean {
  return written.some((w) => {
    if (w.namespace !== read.namespace) return false;
    if (!('metricName' in w)) return true;
    if (w.metricName !== read.metricName) return false;
    const values = read.kind === 'metric' ? read.dimensions : read.filters;
    const names = read.kind === 'metric' ? Object.keys(read.dimensions) : read.dimensions;
    // A free search (no schema) matches any series whose dimensions include its filters.
    if (names === undefined) return Object.keys(values).every((name) => w.dimensions.includes(name));
    if (!sameSet(names, w.dimensions)) return false;
    return Object.entries(w.pinned).every(
      ([name, allowed]) => values[name] === undefined || allowed.includes(values[name] as string),
    );
  });
}

/** The reads of a template that no writer of it writes, each as one line. */
export function unwrittenReads(template: TemplateJson, writers: readonly Writer[] = WRITERS): string[] {
  const written = writers.flatMap((writer) => writer.series(template));
  return metricReads(template)
    .filter((read) => !isWritten(read, written))
    .map((read) => describeRead(read));
}

/**
 * Alarms on a platform-wide metric (spend, budget thresholds: what the kill switch and the spend
 * alarms see) that miss a function running the gateway: that function's spend would never count.
 */
export function missedSpenders(template: TemplateJson): string[] {
  const written = PLATFORM_FUNCTIONS.series(template) as WrittenSeries[];
  const platformWideNames = new Set(written.filter((w) => w.platformWide).map((w) => w.metricName));
  const spenders = [...new Set(written.filter((w) => w.platformWide).map((w) => w.writer))];
  const problems: string[] = [];
  for (const read of metricReads(template)) {
    if (!read.reader.startsWith('alarm ') || !platformWideNames.has(read.metricName)) continue;
    for (const spender of spenders) {
      if (
        !isWritten(
          read,
          written.filter((w) => w.writer === spender),
        )
      ) {
        problems.push(`${describeRead(read)}, which ${spender} does not write`);
      }
    }
  }
  return problems;
}

export function describeRead(read: MetricRead): string {
  const dims =
    read.kind === 'metric'
      ? Object.entries(read.dimensions)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(', ')
      : `${read.dimensions ? `{${read.dimensions.join(',')}} ` : ''}${Object.entries(read.filters)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`;
  return `${read.reader} reads ${read.namespace} ${read.metricName} [${dims}]`;
}
