import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { environmentSettings, type EnvironmentName } from '../../infra/cdk/environments.js';
import { logicalIdOf } from '../../infra/cdk/nag.js';
import { queues, stateMachines, streams } from '../../wiring/index.js';
import { CDK_CONTEXT, synthesized } from './support/synth.js';
import { resourcesOf, type CfnResource } from './support/template.js';

/**
 * The dashboard and the alarms (`infra/cdk/constructs/observability.ts`), in a nested stack of their own: every alarm
 * the runbook (docs/operations.md) lists, on its metric, with the environment's threshold from cdk.json, to the one
 * alarm topic; every widget the issue names; and a stack that takes nothing but the topic from its parent.
 */

interface MetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] };
  Stat: string;
  Period: number;
}
interface AlarmProperties {
  AlarmName?: string;
  Threshold?: number;
  ThresholdMetricId?: string;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic?: string;
  ExtendedStatistic?: string;
  Period?: number;
  Metrics?: { Id: string; Expression?: string; MetricStat?: MetricStat; ReturnData?: boolean }[];
}

const BUSINESS = [{ Name: 'service', Value: 'business' }];

function alarmsOf(env: EnvironmentName) {
  const { stack, template } = synthesized(env);
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((r: CfnResource) => r.Properties as unknown as AlarmProperties);
  const named = (id: string): AlarmProperties => alarms.find((a) => a.AlarmName === `smartshelf-${env}-${id}`) ?? expect.fail(`no alarm ${id} in ${env}`);
  return { stack, template, alarms, named, thresholds: environmentSettings(CDK_CONTEXT.environments, env).settings.alarms };
}

/** The metrics an alarm's math reads, by metric name (with their statistic and dimensions). */
const statsOf = (alarm: AlarmProperties) => Object.fromEntries((alarm.Metrics ?? []).filter((m) => m.MetricStat).map((m) => [m.MetricStat!.Metric.MetricName, m.MetricStat!]));
const expressionsOf = (alarm: AlarmProperties) => (alarm.Metrics ?? []).flatMap((m) => (m.Expression ? [m.Expression] : []));

describe.each(['dev', 'prod'] as const)('the alarms in %s', (env) => {
  const { stack, template, alarms, named, thresholds: t } = alarmsOf(env);
  const topic = logicalIdOf(stack.alarmTopic);
  const api = [
    { Name: 'ApiName', Value: `smartshelf-${env}` },
    { Name: 'Stage', Value: env },
  ];

  it('sends every alarm to the one alarm topic, and those of the dashboard back to OK too', () => {
    expect(template.toJSON().Resources).toHaveProperty(topic);
    for (const alarm of alarms) expect(alarm.AlarmActions, alarm.AlarmName).toEqual([{ Ref: topic }]);
    for (const alarm of stack.observability.observability.alarms.values()) expect(named(alarm.node.id).OKActions).toEqual([{ Ref: topic }]);
  });

  it('watches API p99 latency over three five-minute periods', () => {
    expect(named('ApiLatencyP99')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: api,
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: t.apiLatencyP99Ms,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each([
    ['Api5xxRate', '5XXError', t.api5xxPercent],
    ['Api4xxRate', '4XXError', t.api4xxPercent],
  ] as const)('watches %s as a share of requests, from the minimum number of requests', (id, metricName, threshold) => {
    const alarm = named(id);
    expect(alarm.Threshold).toBe(threshold);
    expect(expressionsOf(alarm)).toEqual([`IF(total >= ${t.apiMinRequests}, 100 * errors / total, 0)`]);
    expect(statsOf(alarm)).toEqual({
      [metricName]: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: metricName, Dimensions: api }, Stat: 'Sum', Period: 300 },
      Count: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: api }, Stat: 'Sum', Period: 300 },
    });
  });

  it('watches the Lambda error rate and throttles of the environment’s account', () => {
    const errors = named('LambdaErrorRate');
    expect(errors.Threshold).toBe(t.lambdaErrorPercent);
    expect(Object.keys(statsOf(errors)).sort()).toEqual(['Errors', 'Invocations']);
    expect(Object.values(statsOf(errors)).every((s) => s.Metric.Namespace === 'AWS/Lambda' && s.Metric.Dimensions === undefined)).toBe(true);
    expect(named('LambdaThrottles')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Statistic: 'Sum', Period: 300, Threshold: t.lambdaThrottles });
  });

  it('watches every state machine’s failed, timed-out and aborted executions', () => {
    expect(stateMachines.map((s) => s.id)).toContain('checkout');
    for (const machine of stateMachines) {
      const alarm = named(`StateMachineFailures-${machine.id}`);
      expect(alarm).toMatchObject({ Threshold: t.stateMachineFailures, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 });
      const stats = statsOf(alarm);
      expect(Object.keys(stats).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
      for (const stat of Object.values(stats)) {
        expect(stat.Metric.Namespace).toBe('AWS/States');
        expect(JSON.stringify(stat.Metric.Dimensions)).toContain(`:stateMachine:smartshelf-${env}-${machine.id}`);
      }
    }
  });

  it.each([
    ['PaymentFailures', 'PaymentsFailed', 'Sum', 3600, t.paymentFailuresPerHour],
    ['CheckoutTimeouts', 'CheckoutsTimedOut', 'Sum', 3600, t.checkoutTimeoutsPerHour],
    ['BillingSyncLag', 'BillingSyncLagSeconds', 'Maximum', 900, t.billingSyncLagSeconds],
  ] as const)('watches the business metric of %s', (id, metricName, statistic, period, threshold) => {
    expect(named(id)).toMatchObject({ Namespace: 'SmartShelf', MetricName: metricName, Dimensions: BUSINESS, Statistic: statistic, Period: period, Threshold: threshold });
  });

  it('watches the courier webhook lag’s p90 over two quarter hours', () => {
    expect(named('CourierWebhookLag')).toMatchObject({
      Namespace: 'SmartShelf',
      MetricName: 'CourierWebhookLagSeconds',
      Dimensions: BUSINESS,
      ExtendedStatistic: 'p90',
      Period: 900,
      Threshold: t.courierWebhookLagSeconds,
      EvaluationPeriods: 2,
    });
  });

  it('watches order throughput against an anomaly band, a quarter hour without orders counting as none', () => {
    const alarm = named('OrdersAnomaly');
    expect(alarm).toMatchObject({ ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold', EvaluationPeriods: t.ordersAnomalyPeriods });
    expect(alarm.Threshold).toBeUndefined();
    const band = alarm.Metrics?.find((m) => m.Expression?.startsWith('ANOMALY_DETECTION_BAND('));
    expect(band?.Expression).toMatch(new RegExp(`^ANOMALY_DETECTION_BAND\\(\\w+, ${t.ordersAnomalyStdDevs}\\)$`));
    expect(alarm.ThresholdMetricId).toBe(band?.Id);
    expect(expressionsOf(alarm)).toContain('FILL(placed, 0)');
    expect(statsOf(alarm)).toEqual({ OrdersPlaced: { Metric: { Namespace: 'SmartShelf', MetricName: 'OrdersPlaced', Dimensions: BUSINESS }, Stat: 'Sum', Period: 900 } });
  });

  it('takes its thresholds from cdk.json: prod’s are not dev’s', () => {
    const dev = environmentSettings(CDK_CONTEXT.environments, 'dev').settings.alarms;
    const prod = environmentSettings(CDK_CONTEXT.environments, 'prod').settings.alarms;
    expect(prod.apiLatencyP99Ms).toBeLessThan(dev.apiLatencyP99Ms);
    expect(prod.api5xxPercent).toBeLessThan(dev.api5xxPercent);
    expect(prod.billingSyncLagSeconds).toBeLessThan(dev.billingSyncLagSeconds);
  });
});

describe('the alarms’ settings', () => {
  const dev = (CDK_CONTEXT.environments as { dev: { alarms: Record<string, unknown> } }).dev;

  it('names a missing, malformed or unknown threshold instead of deploying without it', () => {
    const { apiLatencyP99Ms: _dropped, ...withoutLatency } = dev.alarms;
    expect(() => environmentSettings({ dev: { ...dev, alarms: withoutLatency } }, 'dev')).toThrow(/environments\.dev.*alarms\.apiLatencyP99Ms/);
    expect(() => environmentSettings({ dev: { ...dev, alarms: { ...dev.alarms, api5xxPercent: 150 } } }, 'dev')).toThrow(/alarms\.api5xxPercent/);
    expect(() => environmentSettings({ dev: { ...dev, alarms: { ...dev.alarms, apiLatencyP90Ms: 100 } } }, 'dev')).toThrow(/apiLatencyP90Ms/);
  });
});

describe('the dashboard', () => {
  const { stack } = synthesized('dev');
  const nested = Template.fromStack(stack.observability).toJSON() as { Resources: Record<string, CfnResource>; Parameters?: Record<string, unknown> };
  const dashboards = Object.values(nested.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  // The body is a Fn::Join of strings and tokens (the state machines' ARNs): the tokens only ever sit inside strings.
  const raw = dashboards[0]?.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const parts = typeof raw === 'string' ? [raw] : raw['Fn::Join'][1];
  const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as {
    widgets: { type: string; properties: { title?: string; markdown?: string; metrics?: unknown[][]; alarms?: unknown[] } }[];
  };
  const widget = (title: string) => body.widgets.find((w) => w.properties.title === title) ?? expect.fail(`no widget ${title}`);
  const metricsText = (title: string) => JSON.stringify(widget(title).properties.metrics);

  it('is one dashboard named after the environment, in a nested stack that takes only the alarm topic from its parent', () => {
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.Properties.DashboardName).toBe('smartshelf-dev');
    expect(Object.keys(nested.Parameters ?? {})).toHaveLength(1);
  });

  it('has a widget for everything the issue names', () => {
    expect(body.widgets.map((w) => w.properties.title).filter(Boolean)).toEqual([
      'Alarms',
      'Orders per hour',
      'Orders per 15 minutes and the expected band',
      'Payment failures per hour',
      'Checkout executions failed or timed out',
      'Billing sync lag (seconds)',
      'Courier webhook lag (seconds)',
      'API latency p50 by route (ms)',
      'API latency p99 by route (ms)',
      'API 4xx by route',
      'API 5xx by route',
      'Lambda errors by function',
      'Lambda throttles by function',
      'Lambda duration p99 by function (ms)',
      'DLQ depths',
    ]);
    expect(body.widgets[0]!.properties.markdown).toContain('docs/operations.md');
  });

  it('shows every alarm in its status widget', () => {
    expect(widget('Alarms').properties.alarms).toHaveLength(stack.observability.observability.alarms.size);
  });

  it('has the per-route metrics to graph: detailed CloudWatch metrics on every method of the stage', () => {
    const stages = Object.values(resourcesOf(synthesized('dev').template, 'AWS::ApiGateway::Stage'));
    expect(stages.map((s) => s.Properties.StageName)).toEqual(['dev']);
    const settings = stages[0]!.Properties.MethodSettings as { HttpMethod: string; ResourcePath: string; MetricsEnabled?: boolean }[];
    expect(settings).toContainEqual(expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', MetricsEnabled: true }));
    // A route with a throttle of its own has a method setting of its own, which does not inherit the stage's.
    for (const setting of settings) expect(setting.MetricsEnabled, `${setting.HttpMethod} ${setting.ResourcePath}`).toBe(true);
  });

  it('graphs API latency, 4xx and 5xx per route with SEARCH over the stage’s detailed metrics', () => {
    for (const [title, metric, stat] of [
      ['API latency p50 by route (ms)', 'Latency', 'p50'],
      ['API latency p99 by route (ms)', 'Latency', 'p99'],
      ['API 4xx by route', '4XXError', 'Sum'],
      ['API 5xx by route', '5XXError', 'Sum'],
    ] as const) {
      expect(metricsText(title)).toContain(
        JSON.stringify(`SEARCH('{AWS/ApiGateway,ApiName,Method,Resource,Stage} MetricName="${metric}" ApiName="smartshelf-dev" Stage="dev"', '${stat}', 300)`).slice(1, -1),
      );
    }
  });

  it('graphs Lambda errors, throttles and duration per function of the environment', () => {
    for (const [title, metric] of [
      ['Lambda errors by function', 'Errors'],
      ['Lambda throttles by function', 'Throttles'],
      ['Lambda duration p99 by function (ms)', 'Duration'],
    ] as const) {
      expect(metricsText(title)).toContain(`{AWS/Lambda,FunctionName} MetricName=\\"${metric}\\" FunctionName=smartshelf-dev'`);
    }
  });

  it('graphs the business metrics and the checkout executions', () => {
    expect(metricsText('Orders per hour')).toContain('"OrdersPlaced"');
    expect(metricsText('Payment failures per hour')).toContain('"PaymentsFailed"');
    for (const m of ['ExecutionsFailed', 'ExecutionsTimedOut', 'CheckoutsTimedOut']) expect(metricsText('Checkout executions failed or timed out')).toContain(`"${m}"`);
    expect(metricsText('Billing sync lag (seconds)')).toContain('"BillingSyncLagSeconds"');
    expect(metricsText('Courier webhook lag (seconds)')).toContain('"CourierWebhookLagSeconds"');
    expect(metricsText('Orders per 15 minutes and the expected band')).toContain('ANOMALY_DETECTION_BAND(');
  });

  it('graphs the depth of every dead-letter queue, by its name', () => {
    const text = metricsText('DLQ depths');
    for (const spec of [...queues, ...streams]) expect(text, spec.id).toContain(`"smartshelf-dev-${spec.id}-dlq"`);
  });
});
