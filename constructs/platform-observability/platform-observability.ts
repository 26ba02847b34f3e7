import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  DefaultDashboardFactory,
  ElastiCacheClusterType,
  MonitoringFacade,
  SnsAlarmActionStrategy,
} from 'cdk-monitoring-constructs';
import { Construct, type IConstruct } from 'constructs';
import { COLD_START_METRIC } from '../../lambda/contract/metrics';
import type { IResponseCache } from '../response-cache/response-cache-interface';
import type { IVectorStore } from '../vector-store/vector-store-interface';
import { DEFAULT_LATENCY_P95, GatewayAlarms, type GatewayAlarmThresholds } from './gateway-alarms';
import { cacheRows, overviewRows, policyRows, resilienceRows, retrievalRows, usageRows } from './gateway-dashboards';
import { GatewayMetrics, type GatewayMetricsSource } from './gateway-metrics';
import { NotificationTopic } from './notification-topic';
import { servingRows, type ModelServingMetricsSource } from './serving-dashboard';

export interface PlatformObservabilityProps extends GatewayMetricsSource {
  /**
   * Prefix of the dashboards' names (dashboard names are unique per account).
   * @default the stack's name
   */
  readonly dashboardNamePrefix?: string;
  /**
   * Topic every alarm notifies (on ALARM and back to OK).
   * @default a new topic encrypted with a new customer-managed key
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * E-mail addresses subscribed to the alarm topic this construct creates.
   * @default none
   */
  readonly alarmEmails?: readonly string[];
  /** When the gateway's alarms fire. @default see {@link GatewayAlarmThresholds} */
  readonly alarms?: GatewayAlarmThresholds;
  /**
   * Lambda functions whose health to chart and alarm on (faults and throttles).
   * @default none; add later with `addFunction`
   */
  readonly functions?: readonly lambda.IFunction[];
  /**
   * The API in front of the gateway, with its stage.
   * @default none; add later with `addRestApi`
   */
  readonly restApi?: { readonly api: apigateway.IRestApi; readonly stage: string };
  /** The gateway's cache. @default none; add later with `addResponseCache` */
  readonly responseCache?: IResponseCache;
  /** The vector store. @default none; add later with `addVectorStore` */
  readonly vectorStore?: IVectorStore;
  /**
   * Queues of messages that failed for good: any message in one alarms.
   * @default none; add later with `addDeadLetterQueue`
   */
  readonly deadLetterQueues?: readonly sqs.IQueue[];
  /** The self-hosted model servers. @default none; add later with `addModelServing` */
  readonly modelServing?: ModelServingMetricsSource;
  /**
   * What happens to the alarm topic's key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Fault rate of a function or API over which its alarm fires, in percent. */
const INFRASTRUCTURE_FAULT_RATE = 5;

/**
 * The platform's dashboards and alarms. From the gateway's metrics (whatever a stack has):
 *
 * - `overview`: the three questions at a glance: what does it cost (run-rate per hour and day, by
 *   feature), how fast is it (p50/p95/p99 latency and time to first token), are errors spiking
 *   (fault rate, errors by class, alarm states);
 * - drill-downs: `usage` (tokens and cost by model, feature, tenant), `cache` (hit rates, money
 *   saved), `policy` (rate-limited, budget-refused, kill switch), `resilience` (failovers, retries,
 *   breakers, provider latency), `retrieval` (semantic-hit similarity, embeddings).
 *
 * From the resources given (now or with `add*` later), drawn by cdk-monitoring-constructs:
 * `infrastructure` (API Gateway, Lambda, ElastiCache, Aurora, dead-letter queues) and `serving`
 * (GPU utilisation and queue depth of the model servers).
 *
 * Every alarm notifies `alarmTopic`: fault-rate spike, p95 latency over budget per route (and tier),
 * time to first token, failover storm, breaker open, cache hit-rate collapse, spend anomaly,
 * dead-letter queue not empty, and the faults of each function and the API.
 */
export class PlatformObservability extends Construct {
  readonly metrics: GatewayMetrics;
  readonly alarmTopic: sns.ITopic;
  /** The alarm topic this construct created (none with `alarmTopic`): subscribe to it with `AlarmSubscribers`. */
  readonly notificationTopic?: NotificationTopic;
  readonly overview: cloudwatch.Dashboard;
  readonly usage: cloudwatch.Dashboard;
  readonly cache: cloudwatch.Dashboard;
  readonly policy: cloudwatch.Dashboard;
  readonly resilience: cloudwatch.Dashboard;
  readonly retrieval: cloudwatch.Dashboard;
  readonly infrastructure: cloudwatch.Dashboard;
  /** Created by the first `addModelServing`. */
  serving?: cloudwatch.Dashboard;
  private readonly prefix: string;
  private readonly ownAlarms: cloudwatch.IAlarm[] = [];
  private readonly facade: MonitoringFacade;
  private readonly gatewayAlarms: GatewayAlarms;

  constructor(scope: Construct, id: string, props: PlatformObservabilityProps = {}) {
    super(scope, id);
    this.metrics = new GatewayMetrics(props);
    this.prefix = props.dashboardNamePrefix ?? Stack.of(this).stackName;
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(this.prefix)) {
      throw new Error(
        `dashboardNamePrefix "${this.prefix}" may hold only letters, digits, "-" and "_" (at most 200 characters).`,
      );
    }
    if (props.alarmTopic && props.alarmEmails?.length) {
      throw new Error(
        'alarmEmails subscribe to the topic this construct creates; with alarmTopic, subscribe to yours.',
      );
    }
    const ownTopic = props.alarmTopic
      ? undefined
      : new NotificationTopic(this, 'Alarms', {
          displayName: `${this.prefix} alarms`,
          emails: props.alarmEmails,
          removalPolicy: props.removalPolicy,
        });
    this.alarmTopic = props.alarmTopic ?? ownTopic!.topic;
    this.notificationTopic = ownTopic;

    this.gatewayAlarms = new GatewayAlarms(this, 'GatewayAlarms', this.metrics, props.alarms);
    for (const alarm of this.gatewayAlarms.alarms) this.notify(alarm);

    const names = ['usage', 'cache', 'policy', 'resilience', 'retrieval', 'infrastructure'];
    const links = names.map((name) => `[${name}](#dashboards:name=${this.dashboardName(name)})`).join(' · ');
    const chatBudget = props.alarms?.latencyP95?.['chat.completions'] ?? DEFAULT_LATENCY_P95['chat.completions'];
    this.overview = this.dashboard(
      'Overview',
      'overview',
      overviewRows(
        this.metrics,
        {
          chatLatencyP95: chatBudget,
          timeToFirstTokenP95: props.alarms?.timeToFirstTokenP95 ?? Duration.seconds(5),
          errorRatePercent: props.alarms?.errorRatePercent ?? 5,
        },
        this.ownAlarms,
        links,
      ),
    );
    this.usage = this.dashboard('Usage', 'usage', usageRows(this.metrics));
    this.cache = this.dashboard('Cache', 'cache', cacheRows(this.metrics));
    this.policy = this.dashboard('Policy', 'policy', policyRows(this.metrics));
    this.resilience = this.dashboard('Resilience', 'resilience', resilienceRows(this.metrics));
    this.retrieval = this.dashboard('Retrieval', 'retrieval', retrievalRows(this.metrics));

    const dashboards = new DefaultDashboardFactory(this, 'InfrastructureDashboard', {
      dashboardNamePrefix: this.dashboardName('infrastructure'),
      createDashboard: true,
      createSummaryDashboard: false,
      createAlarmDashboard: false,
    });
    this.infrastructure = dashboards.dashboard!;
    this.facade = new MonitoringFacade(this, 'Infrastructure', {
      alarmFactoryDefaults: {
        alarmNamePrefix: this.prefix,
        actionsEnabled: true,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: this.alarmTopic, onOkTopic: this.alarmTopic }),
      },
      metricFactoryDefaults: {},
      dashboardFactory: dashboards,
    });
    this.facade.addLargeHeader('Infrastructure: API, functions, data stores, queues');
    this.facade.addWidget(
      new cloudwatch.GraphWidget({
        title: 'Cold starts by function',
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{"${this.metrics.namespace}","service","function_name"} MetricName="${COLD_START_METRIC}"', 'Sum', 300)`,
            label: '',
            period: Duration.minutes(5),
          }),
        ],
        leftYAxis: { label: 'cold starts / 5 min', min: 0, showUnits: false },
        width: 24,
        height: 6,
      }),
    );

    for (const fn of props.functions ?? []) this.addFunction(fn);
    if (props.restApi) this.addRestApi(props.restApi.api, props.restApi.stage);
    if (props.responseCache) this.addResponseCache(props.responseCache);
    if (props.vectorStore) this.addVectorStore(props.vectorStore);
    for (const queue of props.deadLetterQueues ?? []) this.addDeadLetterQueue(queue);
    if (ownTopic?.deadLetterQueue) this.addDeadLetterQueue(ownTopic.deadLetterQueue);
    if (props.modelServing) this.addModelServing(props.modelServing);
  }

  /** Every alarm this construct made, the gateway's and the infrastructure's. */
  get alarms(): cloudwatch.IAlarm[] {
    this.syncAlarms();
    return [...this.ownAlarms];
  }

  /** Charts a function (invocations, errors, latency, throttles) and alarms on its fault rate and throttles. */
  addFunction(fn: lambda.IFunction): this {
    const name = pathName(fn);
    this.facade.monitorLambdaFunction({
      lambdaFunction: fn,
      alarmFriendlyName: name,
      humanReadableName: `Function ${name}`,
      addFaultRateAlarm: { Critical: { maxErrorRate: INFRASTRUCTURE_FAULT_RATE } },
      addThrottlesRateAlarm: { Warning: { maxErrorRate: INFRASTRUCTURE_FAULT_RATE } },
    });
    this.syncAlarms();
    return this;
  }

  /** Charts the API (requests, 4xx, 5xx, latency) and alarms on its 5xx rate. */
  addRestApi(api: apigateway.IRestApi, stage: string): this {
    this.facade.monitorApiGateway({
      api,
      apiStage: stage,
      add5XXFaultRateAlarm: { Critical: { maxErrorRate: INFRASTRUCTURE_FAULT_RATE } },
    });
    this.syncAlarms();
    return this;
  }

  /** Charts the ElastiCache cache behind the gateway. */
  addResponseCache(cache: IResponseCache): this {
    const identity = cache.metricsIdentity;
    if (!identity || identity.clusterIds.length === 0) {
      throw new Error(
        `The response cache ${cache.node.path} has no metricsIdentity: CloudWatch's names for it are unknown. ` +
          'ResponseCache sets it; for an imported cache, give the cluster ids when importing it.',
      );
    }
    // Names from positions: the ids are usually tokens, and names become alarm and widget ids.
    identity.clusterIds.forEach((clusterId, index) => {
      const names = {
        humanReadableName: `Response cache ${identity.serverless ? '' : `node ${index + 1}`}`.trim(),
        alarmFriendlyName: `ResponseCache${identity.serverless ? '' : `Node${index + 1}`}`,
      };
      if (identity.serverless) {
        this.facade.monitorServerlessElastiCache({ clusterId, ...names });
      } else {
        this.facade.monitorElastiCacheCluster({ clusterId, clusterType: ElastiCacheClusterType.REDIS, ...names });
      }
    });
    return this;
  }

  /** Charts the Aurora PostgreSQL cluster behind the vector store. */
  addVectorStore(store: IVectorStore): this {
    if (!store.clusterIdentifier) {
      throw new Error(
        `The vector store ${store.node.path} has no clusterIdentifier: CloudWatch's name for it is unknown. ` +
          'VectorStore sets it; for an imported store, give the cluster identifier when importing it.',
      );
    }
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(
      this,
      `VectorStore${this.facade.createdMonitorings().length}`,
      {
        clusterIdentifier: store.clusterIdentifier,
      },
    );
    this.facade.monitorAuroraCluster({
      cluster,
      humanReadableName: 'Vector store (Aurora PostgreSQL)',
      alarmFriendlyName: 'VectorStore',
    });
    return this;
  }

  /** Charts a dead-letter queue and alarms as soon as it holds a message. */
  addDeadLetterQueue(queue: sqs.IQueue): this {
    const name = pathName(queue);
    this.facade.monitorSqsQueue({
      queue,
      alarmFriendlyName: name,
      humanReadableName: `Dead-letter queue ${name}`,
      addQueueMaxSizeAlarm: {
        Critical: {
          maxMessageCount: 0,
          alarmDescriptionOverride:
            `Dead-letter queue ${queue.queueName} is not empty: messages failed for good. ` +
            'Read them, fix the cause, then redrive them.',
        },
      },
    });
    this.syncAlarms();
    return this;
  }

  /** The `serving` dashboard: GPU utilisation and memory, queue depth and running requests per server. */
  addModelServing(source: ModelServingMetricsSource): this {
    const rows = servingRows(source);
    if (this.serving) {
      for (const row of rows) this.serving.addWidgets(...row);
    } else {
      this.serving = this.dashboard('Serving', 'serving', rows);
    }
    return this;
  }

  private dashboardName(name: string): string {
    return `${this.prefix}-${name}`;
  }

  private dashboard(id: string, name: string, rows: cloudwatch.IWidget[][]): cloudwatch.Dashboard {
    return new cloudwatch.Dashboard(this, id, {
      dashboardName: this.dashboardName(name),
      defaultInterval: Duration.hours(3),
      widgets: rows,
    });
  }

  private notify(alarm: cloudwatch.Alarm): void {
    const action = new actions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.ownAlarms.push(alarm);
  }

  /** Keeps the overview's alarm widget in step with the alarms cdk-monitoring-constructs made. */
  private syncAlarms(): void {
    for (const { alarm } of this.facade.createdAlarms()) {
      if (!this.ownAlarms.includes(alarm)) this.ownAlarms.push(alarm);
    }
  }
}

/**
 * A resource's name for alarms and dashboard sections: its path below the stack, since functions
 * are often all called "Function" and dead-letter queues "DeadLetters".
 */
function pathName(construct: IConstruct): string {
  return (
    construct.node.path
      .split('/')
      .slice(1)
      .join('-')
      .replace(/[^A-Za-z0-9-]/g, '') || construct.node.id
  );
}
