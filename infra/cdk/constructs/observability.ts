import { ArnFormat, Duration, NestedStack, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type GraphWidgetProps,
  MathExpression,
  Metric,
  SearchExpression,
  TextWidget,
  TreatMissingData,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BUSINESS_SERVICE, BusinessMetric, METRICS_NAMESPACE, type BusinessMetricName } from '../../../shared/observability/business-metrics.js';
import type { AlarmThresholds, EnvironmentSettings } from '../environments.js';
import { dlqIdOf } from './messaging.js';

export interface ObservabilityProps {
  /** Prefix of physical names, `smartshelf-<env>`: of the functions, the queues, the state machines and the alarms. */
  namePrefix: string;
  /** The REST API's name and stage, the dimensions of its metrics. */
  apiName: string;
  stage: string;
  thresholds: AlarmThresholds;
  alarmTopic: ITopic;
  /** Every dead-letter queue's name (the wiring queues', the stream consumers', the scheduler's). */
  deadLetterQueueNames: readonly string[];
  /** The wiring's state machines by id (deployed as `<namePrefix>-<id>`). */
  stateMachineIds: readonly string[];
}

const FIVE_MINUTES = Duration.minutes(5);
const FIFTEEN_MINUTES = Duration.minutes(15);
const ONE_HOUR = Duration.hours(1);

/** One of the business metrics of `shared/observability/business-metrics.ts`, under the one dimension they carry. */
export function businessMetric(name: BusinessMetricName, statistic: string, period: Duration): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service: BUSINESS_SERVICE }, statistic, period });
}

/**
 * The operators' view of one environment: a CloudWatch dashboard (`<namePrefix>`) and the alarms, all to the one alarm
 * topic, with the environment's thresholds from `cdk.json`. Everything is found by name, known at synth (the API's name
 * and stage, the functions' prefix, the queues' and state machines' fixed names), so the nested stack it lives in takes
 * one parameter, the topic, however many functions and queues there are; per-route and per-function graphs are SEARCH
 * expressions, which pick up a new route or function without a change here. docs/operations.md is the runbook.
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;
  /** The alarms by id (`ApiLatencyP99`, `OrdersAnomaly`, `StateMachineFailures-<id>`, ...). */
  readonly alarms = new Map<string, Alarm>();
  private readonly props: ObservabilityProps;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.props = props;
    const { thresholds: t, namePrefix } = props;

    // API Gateway: the stage's detailed metrics (metricsEnabled) give Latency, 4XXError and 5XXError per route too.
    const api = (metricName: string, statistic: string, period = FIVE_MINUTES) =>
      new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiName: props.apiName, Stage: props.stage }, statistic, period });
    const perRoute = (metricName: string, statistic: string, label: string) =>
      new SearchExpression({
        expression: `SEARCH('{AWS/ApiGateway,ApiName,Method,Resource,Stage} MetricName="${metricName}" ApiName="${props.apiName}" Stage="${props.stage}"', '${statistic}', 300)`,
        label,
        period: FIVE_MINUTES,
      });
    // Every function is named `<namePrefix>-<id>`; a partial match on the prefix finds them all, new ones included.
    const perFunction = (metricName: string, statistic: string, label: string) =>
      new SearchExpression({
        expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="${metricName}" FunctionName=${namePrefix}', '${statistic}', 300)`,
        label,
        period: FIVE_MINUTES,
      });
    // The environment has an account of its own (cdk.json), so the account-wide Lambda metrics are its functions'.
    const lambda = (metricName: string) => new Metric({ namespace: 'AWS/Lambda', metricName, statistic: 'Sum', period: FIVE_MINUTES });
    const states = (stateMachineId: string, metricName: string) =>
      new Metric({
        namespace: 'AWS/States',
        metricName,
        dimensionsMap: {
          StateMachineArn: Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: `${namePrefix}-${stateMachineId}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        },
        statistic: 'Sum',
        period: FIVE_MINUTES,
        label: `${stateMachineId} ${metricName}`,
      });

    const rateOf = (errors: IMetric, total: IMetric, label: string) =>
      new MathExpression({ expression: `IF(total >= ${t.apiMinRequests}, 100 * errors / total, 0)`, usingMetrics: { errors, total }, label, period: FIVE_MINUTES });

    this.alarm('ApiLatencyP99', {
      metric: api('Latency', 'p99'),
      threshold: t.apiLatencyP99Ms,
      evaluationPeriods: 3,
      description: `API p99 latency above ${t.apiLatencyP99Ms} ms for 15 minutes.`,
    });
    this.alarm('Api5xxRate', {
      metric: rateOf(api('5XXError', 'Sum'), api('Count', 'Sum'), '5xx %'),
      threshold: t.api5xxPercent,
      evaluationPeriods: 2,
      description: `More than ${t.api5xxPercent}% of API requests answered 5xx for 10 minutes (from ${t.apiMinRequests} requests in 5 minutes).`,
    });
    this.alarm('Api4xxRate', {
      metric: rateOf(api('4XXError', 'Sum'), api('Count', 'Sum'), '4xx %'),
      threshold: t.api4xxPercent,
      evaluationPeriods: 3,
      description: `More than ${t.api4xxPercent}% of API requests answered 4xx for 15 minutes: a broken client, sign-in or a scraper.`,
    });
    this.alarm('LambdaErrorRate', {
      metric: rateOf(lambda('Errors'), lambda('Invocations'), 'Lambda errors %'),
      threshold: t.lambdaErrorPercent,
      evaluationPeriods: 2,
      description: `More than ${t.lambdaErrorPercent}% of Lambda invocations failed for 10 minutes.`,
    });
    this.alarm('LambdaThrottles', {
      metric: lambda('Throttles'),
      threshold: t.lambdaThrottles,
      evaluationPeriods: 1,
      description: `More than ${t.lambdaThrottles} Lambda invocations throttled in 5 minutes: the account's concurrency is spent.`,
    });
    for (const machine of props.stateMachineIds) {
      this.alarm(`StateMachineFailures-${machine}`, {
        metric: new MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: { failed: states(machine, 'ExecutionsFailed'), timedOut: states(machine, 'ExecutionsTimedOut'), aborted: states(machine, 'ExecutionsAborted') },
          label: `${machine} executions failed`,
          period: FIVE_MINUTES,
        }),
        threshold: t.stateMachineFailures,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        description: `${t.stateMachineFailures} or more ${machine} executions failed, timed out or were aborted in 5 minutes (a caught business failure ends SUCCEEDED: this is an incident).`,
      });
    }
    this.alarm('PaymentFailures', {
      metric: businessMetric(BusinessMetric.paymentsFailed, 'Sum', ONE_HOUR),
      threshold: t.paymentFailuresPerHour,
      evaluationPeriods: 1,
      description: `More than ${t.paymentFailuresPerHour} checkouts failed on a refused payment in an hour.`,
    });
    this.alarm('CheckoutTimeouts', {
      metric: businessMetric(BusinessMetric.checkoutsTimedOut, 'Sum', ONE_HOUR),
      threshold: t.checkoutTimeoutsPerHour,
      evaluationPeriods: 1,
      description: `More than ${t.checkoutTimeoutsPerHour} checkouts failed in an hour because 3-D Secure or the pick was not done in time.`,
    });
    this.alarm('BillingSyncLag', {
      metric: businessMetric(BusinessMetric.billingSyncLag, 'Maximum', FIFTEEN_MINUTES),
      threshold: t.billingSyncLagSeconds,
      evaluationPeriods: 1,
      description: `An order was invoiced more than ${t.billingSyncLagSeconds} s after it completed.`,
    });
    this.alarm('CourierWebhookLag', {
      metric: businessMetric(BusinessMetric.courierWebhookLag, 'p90', FIFTEEN_MINUTES),
      threshold: t.courierWebhookLagSeconds,
      evaluationPeriods: 2,
      description: `The courier's tracking events reached us more than ${t.courierWebhookLagSeconds} s after they happened (p90, 30 minutes).`,
    });

    // Orders per quarter hour, no data counted as none (a quarter hour without orders is what the band must judge), against a
    // band CloudWatch learns from their history (it needs about two weeks of it before it alarms sensibly).
    const orders = new MathExpression({
      expression: 'FILL(placed, 0)',
      usingMetrics: { placed: businessMetric(BusinessMetric.ordersPlaced, 'Sum', FIFTEEN_MINUTES) },
      label: 'orders',
      period: FIFTEEN_MINUTES,
    });
    const band = new MathExpression({ expression: `ANOMALY_DETECTION_BAND(orders, ${t.ordersAnomalyStdDevs})`, usingMetrics: { orders }, label: 'expected orders', period: FIFTEEN_MINUTES });
    this.alarm('OrdersAnomaly', {
      metric: band,
      threshold: Alarm.ANOMALY_DETECTION_NO_THRESHOLD,
      comparisonOperator: ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: t.ordersAnomalyPeriods,
      description: `Orders per 15 minutes outside the band of ${t.ordersAnomalyStdDevs} standard deviations CloudWatch expects, ${t.ordersAnomalyPeriods} quarter hours in a row.`,
    });

    const graph = (title: string, left: IMetric[], extra: Partial<GraphWidgetProps> = {}) =>
      new GraphWidget({ title, left, width: 12, height: 6, ...extra });
    const widgets: IWidget[][] = [
      [
        new TextWidget({
          markdown: `# SmartShelf ${props.stage}\nBusiness metrics, API, functions and queues. What each alarm means and what to do: docs/operations.md, "Alarms".`,
          width: 24,
          height: 2,
        }),
      ],
      [new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms.values()], width: 24, height: 4 })],
      [
        graph('Orders per hour', [businessMetric(BusinessMetric.ordersPlaced, 'Sum', ONE_HOUR).with({ label: 'orders placed' })]),
        graph('Orders per 15 minutes and the expected band', [orders, band]),
      ],
      [
        graph('Payment failures per hour', [
          businessMetric(BusinessMetric.paymentsFailed, 'Sum', ONE_HOUR).with({ label: 'payments refused' }),
          businessMetric(BusinessMetric.checkoutsFailed, 'Sum', ONE_HOUR).with({ label: 'checkouts failed (all reasons)' }),
        ]),
        graph('Checkout executions failed or timed out', [
          ...props.stateMachineIds.flatMap((machine) => ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((m) => states(machine, m))),
          businessMetric(BusinessMetric.checkoutsTimedOut, 'Sum', FIVE_MINUTES).with({ label: 'checkouts timed out (3-D Secure, pick)' }),
          businessMetric(BusinessMetric.checkoutsFailed, 'Sum', FIVE_MINUTES).with({ label: 'checkouts failed (business outcome)' }),
        ]),
      ],
      [
        graph('Billing sync lag (seconds)', ['p50', 'p90', 'Maximum'].map((s) => businessMetric(BusinessMetric.billingSyncLag, s, FIFTEEN_MINUTES).with({ label: s }))),
        graph('Courier webhook lag (seconds)', ['p50', 'p90', 'Maximum'].map((s) => businessMetric(BusinessMetric.courierWebhookLag, s, FIFTEEN_MINUTES).with({ label: s }))),
      ],
      [
        graph('API latency p50 by route (ms)', [perRoute('Latency', 'p50', 'p50'), api('Latency', 'p50').with({ label: 'all routes p50' })]),
        graph('API latency p99 by route (ms)', [perRoute('Latency', 'p99', 'p99'), api('Latency', 'p99').with({ label: 'all routes p99' })], {
          leftAnnotations: [{ value: t.apiLatencyP99Ms, label: 'alarm' }],
        }),
      ],
      [graph('API 4xx by route', [perRoute('4XXError', 'Sum', '4xx')]), graph('API 5xx by route', [perRoute('5XXError', 'Sum', '5xx')])],
      [
        graph('Lambda errors by function', [perFunction('Errors', 'Sum', 'errors')]),
        graph('Lambda throttles by function', [perFunction('Throttles', 'Sum', 'throttles')]),
      ],
      [
        graph('Lambda duration p99 by function (ms)', [perFunction('Duration', 'p99', 'p99')]),
        graph(
          'DLQ depths',
          props.deadLetterQueueNames.map(
            (queueName) =>
              new Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensionsMap: { QueueName: queueName }, statistic: 'Maximum', period: FIVE_MINUTES, label: queueName }),
          ),
        ),
      ],
    ];
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: namePrefix, defaultInterval: Duration.days(1), widgets });
  }

  /** An alarm named `<namePrefix>-<id>` (what the runbook lists) to the environment's topic, in alarm and back to OK. */
  private alarm(
    id: string,
    options: { metric: IMetric; threshold: number; evaluationPeriods: number; description: string; comparisonOperator?: ComparisonOperator },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.props.namePrefix}-${id}`,
      alarmDescription: `${options.description} Runbook: docs/operations.md, "Alarms", ${id}.`,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No requests, no invocations, no business event: nothing is wrong that another alarm would not say.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.props.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.set(id, alarm);
    return alarm;
  }
}

/** What the observability stack reads of the wiring: the ids that the queues, consumers and state machines are named by. */
export interface ObservedWiring {
  queues: readonly { id: string }[];
  streams: readonly { id: string }[];
  schedules: readonly unknown[];
  stateMachines: readonly { id: string }[];
}

export interface ObservabilityStackProps {
  namePrefix: string;
  stage: string;
  settings: EnvironmentSettings;
  wiring: ObservedWiring;
  apiName: string;
  alarmTopic: ITopic;
}

/**
 * The dashboard and the alarms, as a nested stack of their own: the parent and the API's stack are near
 * CloudFormation's 500 resources. The queues' and state machines' names are derived from the wiring as `Messaging`,
 * `StreamConsumers` and `Workflows` make them, never referenced, so the one parameter CDK creates is the alarm topic.
 */
export class ObservabilityStack extends NestedStack {
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, { description: 'SmartShelf dashboard and alarms' });
    const { namePrefix, wiring } = props;
    this.observability = new Observability(this, 'Observability', {
      namePrefix,
      apiName: props.apiName,
      stage: props.stage,
      thresholds: props.settings.alarms,
      alarmTopic: props.alarmTopic,
      deadLetterQueueNames: [
        ...[...wiring.queues, ...wiring.streams].map((spec) => `${namePrefix}-${dlqIdOf(spec.id)}`),
        ...(wiring.schedules.length > 0 ? [`${namePrefix}-schedules-dlq`] : []),
      ],
      stateMachineIds: wiring.stateMachines.map((spec) => spec.id),
    });
  }
}
