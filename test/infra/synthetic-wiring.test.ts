import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { substituteFunctions } from '../../infra/cdk/constructs/workflows.js';
import { logicalIdOf } from '../../infra/cdk/nag.js';
import { AUTHORIZER_FN, secrets, type FunctionSpec, type Wiring } from '../../wiring/index.js';
import { findings, unusedAcknowledgments } from './support/nag.js';
import { synthesize } from './support/synth.js';
import { actionsOf, referencedIds, resource, resourcesOf, roleStatements, referencedId } from './support/template.js';

const ENTRY = 'test/infra/fixtures/handler.ts';
const fn = (id: string, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({ id, entry: ENTRY, access: {}, ...extra });

/** What the real wiring does not have yet: schedules and a state machine. */
const wiring: Wiring = {
  functions: [
    fn(AUTHORIZER_FN),
    fn('ops-send-report', { access: { table: 'read' } }),
    fn('orders-reserve-stock'),
    fn('orders-notify-picker'),
    fn('orders-unused'),
  ],
  routes: [{ method: 'GET', path: '/reports', fn: 'ops-send-report', auth: { kind: 'scope', scope: 'admin' } }],
  queues: [],
  rules: [],
  streams: [],
  schedules: [
    {
      id: 'nightly-report',
      expression: 'cron(0 3 * * ? *)',
      timezone: 'Europe/London',
      target: { fn: 'ops-send-report', input: { kind: 'daily' } },
    },
  ],
  stateMachines: [{ id: 'order-fulfilment', definition: 'test/infra/fixtures/order-fulfilment.asl.json' }],
  secrets,
};

describe('a wiring with schedules and state machines', () => {
  const { app, stack, template } = synthesize('dev', wiring);
  const fnId = (id: string) => logicalIdOf(stack.functions.get(id) ?? expect.fail(id));

  it('schedules the target function with EventBridge Scheduler, in the wiring time zone, with its input', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'smartshelf-dev-nightly-report',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [fnId('ops-send-report'), 'Arn'] },
        Input: JSON.stringify({ kind: 'daily' }),
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(stack.workflows.node.findChild('SchedulerRole')), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack.workflows.scheduleDeadLetterQueue ?? expect.fail('no DLQ')), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    });
  });

  it("lets the scheduler's role invoke exactly the scheduled function and write its DLQ", () => {
    const statements = roleStatements(template, logicalIdOf(stack.workflows.node.findChild('SchedulerRole')));
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke.flatMap((s) => [...referencedIds(s.Resource)])).toEqual([fnId('ops-send-report')]);
    expect(invoke.every((s) => !JSON.stringify(s.Resource).includes('*'))).toBe(true);
    const sends = statements.filter((s) => actionsOf(s).includes('sqs:SendMessage'));
    expect(sends.flatMap((s) => [...referencedIds(s.Resource)])).toEqual([logicalIdOf(stack.workflows.scheduleDeadLetterQueue ?? expect.fail('no DLQ'))]);
  });

  it('alarms when a scheduled invocation lands in the DLQ', () => {
    const dlq = logicalIdOf(stack.workflows.scheduleDeadLetterQueue ?? expect.fail('no DLQ'));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      AlarmActions: [{ Ref: logicalIdOf(stack.alarmTopic) }],
    });
  });

  it('builds the state machine from its ASL with every ${fn:<id>} replaced by that function ARN', () => {
    const [machineId, machine] = Object.entries(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))[0] ?? expect.fail('no machine');
    expect(machine.Properties.StateMachineName).toBe('smartshelf-dev-order-fulfilment');
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).not.toContain('${fn:');
    expect(definition).toContain('${fn_orders_reserve_stock}');
    expect(machine.Properties.DefinitionSubstitutions).toEqual({
      fn_orders_reserve_stock: { 'Fn::GetAtt': [fnId('orders-reserve-stock'), 'Arn'] },
      fn_orders_notify_picker: { 'Fn::GetAtt': [fnId('orders-notify-picker'), 'Arn'] },
    });
    const statements = roleStatements(template, referencedId(resource(template, machineId).Properties.RoleArn));
    const invokable = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction')).flatMap((s) => [...referencedIds(s.Resource)]);
    expect(invokable.sort()).toEqual([fnId('orders-notify-picker'), fnId('orders-reserve-stock')].sort());
  });

  it('logs every state machine event and traces executions', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }) } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/smartshelf-dev-order-fulfilment' });
  });

  it('passes cdk-nag, acknowledging only what it finds', () => {
    expect(findings(app)).toEqual([]);
    expect(unusedAcknowledgments(app)).toEqual([]);
  });
});

describe('wiring mistakes fail synth with the culprit named', () => {
  it('a state machine naming a function that does not exist', () => {
    const broken: Wiring = { ...wiring, functions: wiring.functions.filter((f) => f.id !== 'orders-notify-picker') };
    expect(() => synthesize('dev', broken)).toThrow(/state machine order-fulfilment names unknown function orders-notify-picker/);
  });

  it('a queue whose visibility timeout is shorter than its consumer timeout', () => {
    const broken: Wiring = {
      ...wiring,
      functions: [...wiring.functions, fn('orders-consume', { timeoutSeconds: 60 })],
      queues: [{ id: 'orders-work', consumer: 'orders-consume', batchSize: 1, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 }],
    };
    expect(() => synthesize('dev', broken)).toThrow(/orders-work visibility timeout 30s is shorter than orders-consume's timeout 60s/);
  });

  it('a stream naming a consumer that does not exist', () => {
    const broken: Wiring = {
      ...wiring,
      streams: [{ id: 'carts-projection', consumer: 'carts-project', filter: { eventName: ['INSERT'], entityTypes: ['Cart'] }, batchSize: 10, retryAttempts: 2, maxRecordAgeSeconds: 300, bisectOnError: false }],
    };
    expect(() => synthesize('dev', broken)).toThrow(/stream carts-projection has unknown consumer carts-project/);
  });

  it('a function sending to a queue that does not exist', () => {
    const broken: Wiring = { ...wiring, functions: [...wiring.functions, fn('orders-send', { access: { sendTo: ['nowhere'] } })] };
    expect(() => synthesize('dev', broken)).toThrow(/orders-send sends to unknown queue nowhere/);
  });
});

describe('substituteFunctions', () => {
  it('rewrites each placeholder and lists each referenced function once', () => {
    const { body, functionIds } = substituteFunctions('{"a":"${fn:x-y}","b":"${fn:x-y}","c":"${fn:z}","d":"${other}"}');
    expect(body).toBe('{"a":"${fn_x_y}","b":"${fn_x_y}","c":"${fn_z}","d":"${other}"}');
    expect(functionIds).toEqual(['x-y', 'z']);
  });
});
