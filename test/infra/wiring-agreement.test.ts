import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { substituteFunctions } from '../../infra/cdk/constructs/workflows.js';
import { REPOSITORY_ROOT } from '../../infra/cdk/smartshelf-stack.js';
import { localTopology, type LocalTopology } from '../../infra/local/topology.js';
import { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { AUTHORIZER_FN, secrets, type FunctionSpec, type Wiring } from '../../wiring/index.js';
import { synthesize, synthesized } from './support/synth.js';
import { referencedId, referencedIds, resourcesOf, type CfnResource } from './support/template.js';

const PREFIX = 'smartshelf-dev-';

/** What the synthesized template deploys, in the shape of the local runtime's topology. */
function deployedTopology(template: Template): Omit<LocalTopology, 'stateMachines'> & { stateMachines: { id: string; definition: string }[] } {
  const unprefixed = (name: unknown) => {
    const s = String(name);
    if (!s.startsWith(PREFIX)) throw new Error(`${s} is not named ${PREFIX}<id>`);
    return s.slice(PREFIX.length);
  };
  const lambdas = resourcesOf(template, 'AWS::Lambda::Function');
  const fnName = (ref: unknown) => unprefixed(lambdas[referencedId(ref)]?.Properties.FunctionName);
  const names = new Set(Object.values(lambdas).map((l) => String(l.Properties.FunctionName)));
  const fnNameIn = (value: unknown) => {
    const ids = [...referencedIds(value)].filter((id) => id in lambdas);
    // The API's stack reaches the functions, which live in other nested stacks, by the ARNs their fixed names give.
    const named = [...JSON.stringify(value).matchAll(/:function:([A-Za-z0-9-]+)/g)].map((m) => m[1] ?? '').filter((name) => names.has(name));
    if (ids.length + named.length !== 1) throw new Error(`expected one function in ${JSON.stringify(value)}`);
    return ids.length === 1 ? fnName({ Ref: ids[0] }) : unprefixed(named[0]);
  };

  const apiResources = resourcesOf(template, 'AWS::ApiGateway::Resource');
  const pathOf = (ref: unknown): string => {
    const r = apiResources[referencedId(ref)];
    return r ? `${pathOf(r.Properties.ParentId)}/${String(r.Properties.PathPart)}` : '';
  };
  const methods = Object.values(resourcesOf(template, 'AWS::ApiGateway::Method'));
  const integrationType = (m: CfnResource) => (m.Properties.Integration as { Type: string }).Type;
  const unexpected = methods.filter((m) => !['AWS_PROXY', 'MOCK'].includes(integrationType(m)) || (integrationType(m) === 'MOCK' && m.Properties.HttpMethod !== 'ANY'));
  if (unexpected.length > 0) throw new Error(`methods that are neither routes nor 405 responders: ${JSON.stringify(unexpected)}`);

  const sqs = resourcesOf(template, 'AWS::SQS::Queue');
  const queueName = (ref: unknown) => unprefixed(sqs[referencedId(ref)]?.Properties.QueueName);
  const mappings = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'));
  const tables = resourcesOf(template, 'AWS::DynamoDB::GlobalTable');
  const streamMappings = mappings.filter((m) => referencedId(m.Properties.EventSourceArn) in tables);

  return {
    routes: methods
      .filter((m) => integrationType(m) === 'AWS_PROXY')
      .map((m) => ({ method: String(m.Properties.HttpMethod), path: pathOf(m.Properties.ResourceId), fn: fnNameIn((m.Properties.Integration as { Uri: unknown }).Uri) })),
    queues: Object.entries(sqs)
      .filter(([, q]) => q.Properties.RedrivePolicy)
      .map(([id, q]) => {
        const redrive = q.Properties.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
        const consumers = mappings.filter((m) => referencedId(m.Properties.EventSourceArn) === id);
        if (consumers.length !== 1) throw new Error(`queue ${id} has ${consumers.length} consumers`);
        return {
          id: unprefixed(q.Properties.QueueName),
          consumer: fnName(consumers[0]?.Properties.FunctionName),
          dlq: queueName(redrive.deadLetterTargetArn),
          maxReceiveCount: redrive.maxReceiveCount,
        };
      }),
    rules: Object.values(resourcesOf(template, 'AWS::Events::Rule')).map((r) => {
      const pattern = r.Properties.EventPattern as { source: string[]; 'detail-type': string[] };
      const targets = r.Properties.Targets as { Arn: unknown }[];
      if (targets.length !== 1) throw new Error(`rule ${String(r.Properties.Name)} has ${targets.length} targets`);
      return { id: unprefixed(r.Properties.Name), source: pattern.source, detailType: pattern['detail-type'], queue: queueName(targets[0]?.Arn) };
    }),
    streams: streamMappings.map((m) => {
      const p = m.Properties;
      const filters = (p.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
      if (filters.length !== 1) throw new Error(`a stream mapping has ${filters.length} filters`);
      // A mapping has no name of its own: its DLQ, `<stream id>-dlq`, carries the stream's id.
      const dlq = queueName((p.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination);
      return {
        id: dlq.replace(/-dlq$/, ''),
        consumer: fnName(p.FunctionName),
        dlq,
        filter: JSON.parse(filters[0]!.Pattern) as LocalTopology['streams'][number]['filter'],
        batchSize: p.BatchSize as number,
        retryAttempts: p.MaximumRetryAttempts as number,
        maxRecordAgeSeconds: p.MaximumRecordAgeInSeconds as number,
        bisectOnError: p.BisectBatchOnFunctionError as boolean,
        startingPosition: p.StartingPosition as 'TRIM_HORIZON',
        reportBatchItemFailures: (p.FunctionResponseTypes as string[]).includes('ReportBatchItemFailures') as true,
      };
    }),
    schedules: Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).map((s) => ({
      id: unprefixed(s.Properties.Name),
      expression: String(s.Properties.ScheduleExpression),
      fn: fnNameIn((s.Properties.Target as { Arn: unknown }).Arn),
    })),
    stateMachines: Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine')).map((m) => ({
      id: unprefixed(m.Properties.StateMachineName),
      definition: String(m.Properties.DefinitionString),
    })),
  };
}

/** Queues the template has beyond the topology's queues, stream DLQs and DLQs: only the scheduler's own DLQ may be. */
function awsOnlyQueues(template: Template, topology: LocalTopology): string[] {
  const known = new Set([...topology.queues.flatMap((q) => [q.id, q.dlq]), ...topology.streams.map((s) => s.dlq)].map((id) => PREFIX + id));
  const schedulerDlqs = new Set(
    Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).map((s) =>
      referencedId((s.Properties.Target as { DeadLetterConfig: { Arn: unknown } }).DeadLetterConfig.Arn),
    ),
  );
  return Object.entries(resourcesOf(template, 'AWS::SQS::Queue'))
    .filter(([id, q]) => !known.has(String(q.Properties.QueueName)) && !schedulerDlqs.has(id))
    .map(([, q]) => String(q.Properties.QueueName));
}

const byKey = <T>(items: readonly T[], key: (t: T) => string) => [...items].sort((a, b) => key(a).localeCompare(key(b)));
const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
const idKey = (r: { id: string }) => r.id;

function expectAgreement(template: Template, local: LocalTopology): void {
  const deployed = deployedTopology(template);
  expect(byKey(deployed.routes, routeKey)).toEqual(byKey(local.routes, routeKey));
  expect(byKey(deployed.queues, idKey)).toEqual(byKey(local.queues, idKey));
  expect(awsOnlyQueues(template, local)).toEqual([]);
  expect(byKey(deployed.rules, idKey)).toEqual(byKey(local.rules, idKey));
  expect(byKey(deployed.streams, idKey)).toEqual(byKey(local.streams, idKey));
  expect(byKey(deployed.schedules, idKey)).toEqual(byKey(local.schedules, idKey));
  // Both sides run the same ASL file: the template holds it with its placeholders rewritten.
  const localMachines = local.stateMachines.map((m) => ({
    id: m.id,
    definition: substituteFunctions(readFileSync(join(REPOSITORY_ROOT, m.definition), 'utf8')).body,
  }));
  expect(byKey(deployed.stateMachines, idKey)).toEqual(byKey(localMachines, idKey));
}

describe('the CDK app and the local runtime serve the same wiring', () => {
  it('agree on routes, queues with their DLQs, rules, stream consumers with their filters, schedules and state machines', () => {
    const local = localTopology();
    expect(local.streams.map((s) => s.id)).toContain('outbox-relay');
    expectAgreement(synthesized('dev').template, local);
  });

  it('agree on a wiring that has schedules, state machines and more stream consumers too', () => {
    const fn = (id: string): FunctionSpec => ({ id, entry: 'test/infra/fixtures/handler.ts', access: {} });
    const wiring: Wiring = {
      functions: [
        fn(AUTHORIZER_FN),
        fn('ops-send-report'),
        fn('orders-reserve-stock'),
        fn('orders-notify-picker'),
        fn('orders-consume'),
        fn('orders-project-carts'),
        fn('orders-relay'),
      ],
      routes: [{ method: 'GET', path: '/reports/{id}', fn: 'ops-send-report', auth: { kind: 'scope', scope: 'admin' } }],
      queues: [{ id: 'orders-work', consumer: 'orders-consume', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 4 }],
      rules: [{ id: 'orders-placed-to-work', events: [orderCompletedV1], target: { queue: 'orders-work' } }],
      streams: [
        {
          id: 'cart-projection',
          consumer: 'orders-project-carts',
          filter: { eventName: ['INSERT', 'MODIFY'], entityTypes: ['Cart', 'Reservation'] },
          batchSize: 25,
          retryAttempts: 3,
          maxRecordAgeSeconds: 600,
          bisectOnError: false,
        },
        { id: 'orders-outbox', consumer: 'orders-relay', filter: { eventName: ['INSERT'], entityTypes: ['OutboxEvent'] }, batchSize: 10, retryAttempts: 1, maxRecordAgeSeconds: 60, bisectOnError: true },
      ],
      schedules: [{ id: 'nightly-report', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/London', target: { fn: 'ops-send-report', input: {} } }],
      stateMachines: [{ id: 'order-fulfilment', definition: 'test/infra/fixtures/order-fulfilment.asl.json' }],
      secrets,
    };
    expectAgreement(synthesize('dev', wiring).template, localTopology(wiring));
  });
});
