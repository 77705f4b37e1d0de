import { Match } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { logicalIdOf } from '../../infra/cdk/nag.js';
import { scopesForRoles, STAFF_ROLES } from '../../shared/auth/roles.js';
import { SCOPES } from '../../shared/auth/scopes.js';
import { DEAD_LETTER_ENV, ENV, SECRET_ARN_ENV, bucketEnvName, queueUrlEnvName } from '../../shared/config/env-names.js';
import { INDEXES, TTL_ATTRIBUTE } from '../../shared/db/keys.js';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../../shared/http/problem.js';
import { streamFilterPattern } from '../../wiring/stream-filter.js';
import { SHOPPER_TOKEN_CLAIMS_FN, functions, queues, routes, rulePattern, rules, streams, type BucketId } from '../../wiring/index.js';
import { synthesized } from './support/synth.js';
import {
  actionsOf,
  applicationFunctions,
  referencedId,
  referencedIds,
  resource,
  resourcesOf,
  roleOfFunction,
  roleStatements,
  type PolicyStatement,
} from './support/template.js';

const { stack, template } = synthesized('dev');
const settings = (stack.node.tryGetContext('environments') as Record<string, Record<string, unknown>>).dev as {
  logRetentionDays: number;
  wafRateLimit: number;
  wafRateLimitPerToken: number;
  throttling: { rateLimit: number; burstLimit: number };
  integrationsUsagePlan: { rateLimit: number; burstLimit: number; quotaPerDay: number };
};

const fnIdOf = (id: string) => logicalIdOf(stack.functions.get(id) ?? expect.fail(`no function ${id}`));
const envOf = (id: string) => (resource(template, fnIdOf(id)).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const statementsOf = (id: string) => roleStatements(template, roleOfFunction(template, fnIdOf(id)));
const bucketIds: BucketId[] = ['media', 'imports', 'exports'];
const bucketLogicalId = (b: BucketId) => logicalIdOf(stack.storage.buckets[b]);
const tableLogicalId = () => logicalIdOf(stack.data.table);
const touches = (s: PolicyStatement, logicalId: string) => referencedIds(s.Resource).has(logicalId);
const actionsOn = (statements: PolicyStatement[], logicalId: string) =>
  statements.filter((s) => s.Effect === 'Allow' && touches(s, logicalId)).flatMap(actionsOf);
/** Grants on the table's stream name the table too (`Fn::GetAtt [table, StreamArn]`); the stream is granted separately, by its event source. */
const onStream = (s: PolicyStatement) => JSON.stringify(s.Resource).includes('"StreamArn"');
const streamConsumerIds = new Set(streams.map((s) => s.consumer));
/** A statement's resources as a list. */
const statementResources = (s: PolicyStatement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
/** A `Fn::Join` (or a string) as one string, each reference as `${logical id}`. */
const joined = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(joined).join(join[0]);
  return `\${${referencedId(value)}}`;
};
/**
 * The API's stack reaches a function by the ARN its fixed name gives (a reference per function would pass a stack's 60
 * parameters), so the integration names the function and the API's stack waits for the function's (see below).
 */
const invocationOf = (fnId: string) => `:function:smartshelf-dev-${fnId}/invocations`;

describe('the table', () => {
  it('is the only table, keyed pk/sk with the indexes and TTL attribute of shared/db/keys.ts', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Object.values(INDEXES).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partition, KeyType: 'HASH' },
          { AttributeName: index.sort, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('is on demand, encrypted, streams old and new images and has point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });
});

describe('functions', () => {
  const lambdas = applicationFunctions(template);

  it('are exactly one Lambda per wiring function, named after it', () => {
    const names = Object.values(lambdas).map((l) => l.Properties.FunctionName);
    expect(names.sort()).toEqual(functions.map((f) => `smartshelf-dev-${f.id}`).sort());
  });

  it('run on ARM64 and the newest Node runtime this aws-cdk-lib knows', () => {
    const newest = Object.keys(Runtime)
      .map((k) => /^NODEJS_(\d+)_X$/.exec(k)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => b - a)[0];
    for (const l of Object.values(lambdas)) {
      expect(l.Properties.Architectures).toEqual(['arm64']);
      expect(l.Properties.Runtime).toBe(`nodejs${newest}.x`);
    }
  });

  it('are traced by X-Ray and log JSON to their own log group with the environment retention', () => {
    for (const spec of functions) {
      const props = resource(template, fnIdOf(spec.id)).Properties;
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      const logging = props.LoggingConfig as { LogFormat: string; LogGroup: unknown };
      expect(logging.LogFormat).toBe('JSON');
      expect(resource(template, referencedId(logging.LogGroup)).Properties.RetentionInDays).toBe(settings.logRetentionDays);
    }
  });

  it('get memory, timeout and Powertools settings from the wiring and the environment', () => {
    for (const spec of functions) {
      const props = resource(template, fnIdOf(spec.id)).Properties;
      if (spec.memoryMb) expect(props.MemorySize).toBe(spec.memoryMb);
      if (spec.timeoutSeconds) expect(props.Timeout).toBe(spec.timeoutSeconds);
      expect(envOf(spec.id)).toMatchObject({
        [ENV.stage]: 'dev',
        POWERTOOLS_SERVICE_NAME: spec.id.split('-')[0],
        POWERTOOLS_METRICS_NAMESPACE: 'SmartShelf',
        LOG_LEVEL: 'DEBUG',
      });
    }
  });

  it('have roles without AWS-managed policies, writing logs only to their own log group', () => {
    for (const spec of functions) {
      const props = resource(template, fnIdOf(spec.id)).Properties;
      const role = resource(template, referencedId(props.Role));
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const logStatements = statementsOf(spec.id).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logStatements).toHaveLength(1);
      expect(referencedId(logStatements[0]?.Resource)).toBe(referencedId((props.LoggingConfig as { LogGroup: unknown }).LogGroup));
    }
  });

  it('receive the media base URL of the CloudFront distribution', () => {
    const distribution = logicalIdOf(stack.storage.mediaDistribution);
    for (const spec of functions) expect(referencedIds(envOf(spec.id)[ENV.mediaBaseUrl])).toEqual(new Set([distribution]));
  });
});

describe('least privilege from the wiring access', () => {
  const DYNAMO_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
  const S3_WRITES = ['s3:PutObject', 's3:DeleteObject*'];

  it('a read-only function can read the table and nothing else, and has no write action', () => {
    const statements = statementsOf('catalog-get-product');
    const actions = statements.flatMap(actionsOf);
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions).toContain('dynamodb:Query');
    for (const write of DYNAMO_WRITES) expect(actions).not.toContain(write);
    expect(actions.filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([]);
  });

  it('narrows a function with tablePartitions to item reads in those partitions, with no scan and no index', () => {
    const narrowed = functions.filter((spec) => spec.access.tablePartitions);
    expect(narrowed.map((spec) => spec.id).sort()).toEqual(['ops-get-health', 'stores-get-store']);
    for (const spec of narrowed) {
      const onTable = statementsOf(spec.id).filter((st) => touches(st, tableLogicalId()));
      expect(onTable, spec.id).toHaveLength(1);
      const [statement] = onTable as [PolicyStatement];
      expect([...actionsOf(statement)].sort(), spec.id).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
      expect(statement.Condition, spec.id).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': spec.access.tablePartitions } });
      expect(JSON.stringify(statement.Resource), spec.id).not.toContain('/index/');
    }
  });

  it('gives the table and TABLE_NAME exactly to the functions that declare it, writes only to writers', () => {
    for (const spec of functions) {
      const onTable = actionsOn(
        statementsOf(spec.id).filter((s) => !onStream(s)),
        tableLogicalId(),
      );
      expect(ENV.tableName in envOf(spec.id), spec.id).toBe(spec.access.table !== undefined);
      expect(onTable.length > 0, spec.id).toBe(spec.access.table !== undefined);
      for (const write of DYNAMO_WRITES) expect(onTable.includes(write), `${spec.id} ${write}`).toBe(spec.access.table === 'write');
    }
  });

  it('gives each bucket and its variable only to the functions that declare it, writes only to writers', () => {
    for (const spec of functions) {
      for (const bucket of bucketIds) {
        const level = spec.access.buckets?.[bucket];
        const onBucket = actionsOn(statementsOf(spec.id), bucketLogicalId(bucket));
        expect(bucketEnvName(bucket) in envOf(spec.id), `${spec.id} ${bucket}`).toBe(level !== undefined);
        expect(onBucket.includes('s3:GetObject*'), `${spec.id} ${bucket}`).toBe(level !== undefined);
        for (const write of S3_WRITES) expect(onBucket.includes(write), `${spec.id} ${bucket} ${write}`).toBe(level === 'write');
      }
    }
  });

  it('lets only functions with `events` publish to the bus, and only to it', () => {
    const bus = logicalIdOf(stack.messaging.bus);
    for (const spec of functions) {
      const puts = statementsOf(spec.id).filter((s) => actionsOf(s).includes('events:PutEvents'));
      expect(ENV.eventBusName in envOf(spec.id), spec.id).toBe(spec.access.events === true);
      expect(puts.length > 0, spec.id).toBe(spec.access.events === true);
      for (const s of puts) expect(referencedIds(s.Resource)).toEqual(new Set([bus]));
    }
  });

  it('lets a function send only to the queues in its sendTo, with their URLs in its environment', () => {
    for (const spec of functions) {
      const sendTargets = statementsOf(spec.id)
        .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
        .flatMap((s) => [...referencedIds(s.Resource)])
        // The redriving function sends on the queues' name pattern (its pseudo parameters), asserted below.
        .filter((id) => !id.startsWith('AWS::'));
      // Lambda sends a stream consumer's failed records to its on-failure queue as the function's role.
      const expected = [
        ...(spec.access.sendTo ?? []).map((q) => logicalIdOf(stack.messaging.queues.get(q) ?? expect.fail(q))),
        ...streams.filter((st) => st.consumer === spec.id).map((st) => logicalIdOf(stack.streamConsumers.deadLetterQueues.get(st.id) ?? expect.fail(st.id))),
      ];
      expect([...new Set(sendTargets)].sort(), spec.id).toEqual([...new Set(expected)].sort());
      for (const q of spec.access.sendTo ?? []) expect(envOf(spec.id)[queueUrlEnvName(q)], spec.id).toBeDefined();
    }
  });

  it('reaches dead letters by the queues\' name pattern, never by reference: only deadLetters functions, redrive alone moving them', () => {
    const pattern = 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:smartshelf-dev-*';
    const dlqs = new Set([...stack.messaging.deadLetterQueues.values()].map((q) => logicalIdOf(q)));
    for (const spec of functions) {
      const onPattern = statementsOf(spec.id).filter((s) => statementResources(s).some((r) => joined(r) === pattern));
      const byReference = statementsOf(spec.id).filter((s) => [...referencedIds(s.Resource)].some((id) => dlqs.has(id)));
      expect(byReference, spec.id).toEqual([]);
      const use = spec.access.deadLetters;
      expect(onPattern.flatMap(actionsOf).sort(), spec.id).toEqual(
        use === 'redrive'
          ? ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage']
          : use === 'read'
            ? ['sqs:GetQueueAttributes']
            : [],
      );
      for (const s of onPattern) expect(statementResources(s), spec.id).toHaveLength(1);
      if (use) {
        expect(envOf(spec.id)[DEAD_LETTER_ENV.queueIds], spec.id).toBe(queues.map((q) => q.id).sort().join(','));
        expect(joined(envOf(spec.id)[DEAD_LETTER_ENV.queueUrlPrefix]), spec.id).toBe('https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/smartshelf-dev-');
      } else {
        expect(DEAD_LETTER_ENV.queueIds in envOf(spec.id), spec.id).toBe(false);
      }
    }
    expect(functions.find((f) => f.id === 'ops-redrive-queue')?.access.deadLetters).toBe('redrive');
    expect(functions.find((f) => f.id === 'ops-list-queues')?.access.deadLetters).toBe('read');
  });

  it('lets only the functions that declare a secret read it, with its ARN in their environment', () => {
    const secrets = [
      ['PaymentWebhookSecrets', 'payment-webhooks'],
      ['BillingWebhookSecrets', 'billing-webhooks'],
      ['CourierWebhookSecrets', 'courier-webhooks'],
      ['CourierApiSecret', 'courier-api'],
      ['WebhookSigning', 'webhook-signing'],
    ] as const;
    for (const [construct, secretId] of secrets) {
      const secret = logicalIdOf(stack.node.findChild(construct) as Secret);
      for (const spec of functions) {
        const reads = statementsOf(spec.id).filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && touches(s, secret));
        const declared = (spec.access.secrets ?? []).includes(secretId);
        expect(reads.length > 0, `${spec.id} ${secretId}`).toBe(declared);
        expect(referencedIds(envOf(spec.id)[SECRET_ARN_ENV[secretId]]), `${spec.id} ${secretId}`).toEqual(declared ? new Set([secret]) : new Set());
      }
    }
    expect(functions.filter((f) => f.access.secrets?.includes('billing-webhooks')).map((f) => f.id)).toEqual(['billing-receive-webhook']);
    expect(functions.filter((f) => f.access.secrets?.includes('courier-webhooks')).map((f) => f.id)).toEqual(['orders-receive-courier-webhook']);
  });

  it('lets only the functions with shopperIdentities delete shoppers’ sign-in users, on the shoppers’ pool alone, with its id', () => {
    const shopperPool = logicalIdOf(stack.identity.shopperPool);
    const staffPool = logicalIdOf(stack.identity.userPool);
    for (const spec of functions) {
      // The staff pool's grants are the next case's.
      const cognito = statementsOf(spec.id).filter((s) => actionsOf(s).some((a) => a.startsWith('cognito-idp:')) && !touches(s, staffPool));
      const declared = spec.access.shopperIdentities === 'delete';
      expect(cognito.flatMap(actionsOf), spec.id).toEqual(declared ? ['cognito-idp:AdminDeleteUser'] : []);
      for (const s of cognito) {
        expect(referencedIds(s.Resource), spec.id).toEqual(new Set([shopperPool]));
        expect(touches(s, staffPool), spec.id).toBe(false);
      }
      expect(envOf(spec.id)[ENV.shopperUserPoolId], spec.id).toEqual(declared ? { Ref: shopperPool } : undefined);
    }
    expect(functions.filter((f) => f.access.shopperIdentities).map((f) => f.id)).toEqual(['personal-data-process-request']);
  });

  it('lets only the functions with staffIdentities read or change staff groups, on the staff pool alone, with its id', () => {
    const shopperPool = logicalIdOf(stack.identity.shopperPool);
    const staffPool = logicalIdOf(stack.identity.userPool);
    const read = ['cognito-idp:AdminListGroupsForUser', 'cognito-idp:ListUsers', 'cognito-idp:ListUsersInGroup'];
    const manage = ['cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminRemoveUserFromGroup', 'cognito-idp:CreateGroup'];
    for (const spec of functions) {
      const cognito = statementsOf(spec.id).filter((s) => touches(s, staffPool));
      const declared = spec.access.staffIdentities;
      const expected = declared === 'manage' ? [...read, ...manage] : declared === 'read' ? read : [];
      expect(cognito.flatMap(actionsOf).sort(), spec.id).toEqual([...expected].sort());
      for (const s of cognito) {
        expect(referencedIds(s.Resource), spec.id).toEqual(new Set([staffPool]));
        expect(touches(s, shopperPool), spec.id).toBe(false);
      }
      expect(envOf(spec.id)[ENV.staffUserPoolId], spec.id).toEqual(declared ? { Ref: staffPool } : undefined);
    }
    expect(functions.filter((f) => f.access.staffIdentities === 'manage').map((f) => f.id)).toEqual(['staff-set-staff-roles']);
  });

  it('grants no action or resource wildcard beyond the acknowledged ones', () => {
    for (const spec of functions) {
      for (const s of statementsOf(spec.id)) {
        expect(actionsOf(s)).not.toContain('*');
        expect(actionsOf(s).some((a) => a.endsWith(':*')), spec.id).toBe(false);
        // X-Ray, and the task-token callbacks, which IAM cannot scope to a state machine.
        if (s.Resource === '*') expect(actionsOf(s).every((a) => a.startsWith('xray:') || a.startsWith('states:SendTask')), spec.id).toBe(true);
      }
    }
  });

  it('lets exactly the functions the wiring names start the checkout saga or complete its task tokens', () => {
    for (const spec of functions) {
      const actions = statementsOf(spec.id).flatMap(actionsOf);
      const use = spec.access.workflows?.checkout;
      expect(actions.includes('states:StartExecution'), `${spec.id} starts`).toBe(use === 'start');
      expect(actions.includes('states:SendTaskSuccess'), `${spec.id} calls back`).toBe(use === 'callback');
      if (use === 'start') expect(JSON.stringify(envOf(spec.id).STATE_MACHINE_ARN_CHECKOUT)).toContain('stateMachine:smartshelf-dev-checkout');
    }
  });
});

describe('queues, dead-letter queues and rules', () => {
  const sqs = resourcesOf(template, 'AWS::SQS::Queue');
  const byName = (name: string) =>
    Object.entries(sqs).find(([, q]) => q.Properties.QueueName === `smartshelf-dev-${name}`) ?? expect.fail(`no queue ${name}`);

  it('has a queue and an encrypted DLQ per wiring queue, with the wiring maxReceiveCount and visibility', () => {
    // Besides, one DLQ per stream consumer and the scheduler's, once there are schedules.
    expect(Object.keys(sqs)).toHaveLength(queues.length * 2 + streams.length + (stack.workflows.scheduleDeadLetterQueue ? 1 : 0));
    for (const spec of queues) {
      const [, queue] = byName(spec.id);
      const [dlqId, dlq] = byName(`${spec.id}-dlq`);
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, VisibilityTimeout: spec.visibilityTimeoutSeconds });
      expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
      const redrive = queue.Properties.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
      expect(redrive.maxReceiveCount).toBe(spec.maxReceiveCount);
      expect(referencedId(redrive.deadLetterTargetArn)).toBe(dlqId);
    }
  });

  it('refuses plain-HTTP access to every queue', () => {
    for (const [queueId] of Object.entries(sqs)) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('feeds each queue to its consumer with its batch size and partial batch failures', () => {
    for (const spec of queues) {
      const [queueId] = byName(spec.id);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        FunctionName: { Ref: fnIdOf(spec.consumer) },
        BatchSize: spec.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('alarms to the operators topic as soon as a DLQ holds a message', () => {
    const topic = logicalIdOf(stack.alarmTopic);
    for (const spec of queues) {
      const [dlqId] = byName(`${spec.id}-dlq`);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: topic }],
      });
    }
  });

  it('takes the courier’s webhooks on a public, throttled route whose function only queues them, behind which the courier-webhooks consumer works the table', () => {
    expect(routes.find((r) => r.path === '/webhooks/orders')).toEqual({ method: 'POST', path: '/webhooks/orders', fn: 'orders-receive-courier-webhook', auth: { kind: 'public' }, throttle: { rate: 50, burst: 100 } });
    const [queueId] = byName('courier-webhooks');
    byName('courier-webhooks-dlq');
    const receiver = statementsOf('orders-receive-courier-webhook');
    expect(receiver.some((s) => actionsOf(s).includes('sqs:SendMessage') && touches(s, queueId))).toBe(true);
    expect(receiver.some((s) => touches(s, tableLogicalId()))).toBe(false);
    expect(envOf('orders-receive-courier-webhook')).not.toHaveProperty(ENV.tableName);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] }, FunctionName: { Ref: fnIdOf('orders-process-courier-webhook') } });
  });

  it('routes each wiring rule from the bus to its queue, which lets only that rule send', () => {
    const bus = logicalIdOf(stack.messaging.bus);
    for (const spec of rules) {
      const [queueId] = byName(spec.target.queue);
      const [ruleId] = Object.entries(resourcesOf(template, 'AWS::Events::Rule')).find(
        ([, r]) => r.Properties.Name === `smartshelf-dev-${spec.id}`,
      ) ?? expect.fail(`no rule ${spec.id}`);
      template.hasResourceProperties('AWS::Events::Rule', {
        Name: `smartshelf-dev-${spec.id}`,
        EventBusName: { Ref: bus },
        EventPattern: { source: rulePattern(spec).source, 'detail-type': rulePattern(spec).detailType },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } })],
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
            }),
          ]),
        },
      });
    }
  });
});

describe('table stream consumers', () => {
  const dlqOf = (id: string) => logicalIdOf(stack.streamConsumers.deadLetterQueues.get(id) ?? expect.fail(`no DLQ for ${id}`));

  it('feeds the table stream to each consumer from the oldest record, with its filter, retries and on-failure queue', () => {
    expect(streams.length).toBeGreaterThan(0);
    for (const spec of streams) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [tableLogicalId(), 'StreamArn'] },
        FunctionName: { Ref: fnIdOf(spec.consumer) },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: spec.batchSize,
        MaximumRetryAttempts: spec.retryAttempts,
        MaximumRecordAgeInSeconds: spec.maxRecordAgeSeconds,
        BisectBatchOnFunctionError: spec.bisectOnError,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(streamFilterPattern(spec.filter)) }] },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqOf(spec.id), 'Arn'] } } },
      });
    }
  });

  it('passes the outbox relay only inserted outbox items', () => {
    const relay = streams.find((s) => s.consumer === 'events-relay-outbox') ?? expect.fail('no outbox relay stream');
    expect(streamFilterPattern(relay.filter)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { NewImage: { entityType: { S: ['OutboxEvent'] } } },
    });
  });

  it('lets exactly the stream consumers read the stream, and nothing but it', () => {
    for (const spec of functions) {
      const streamStatements = statementsOf(spec.id).filter(onStream);
      expect(streamStatements.length > 0, spec.id).toBe(streamConsumerIds.has(spec.id));
      for (const s of streamStatements) {
        expect(s.Resource).toEqual({ 'Fn::GetAtt': [tableLogicalId(), 'StreamArn'] });
        expect(actionsOf(s).sort()).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);
      }
    }
  });

  it('keeps failed records in an encrypted, TLS-only queue for 14 days and alarms on the first', () => {
    const topic = logicalIdOf(stack.alarmTopic);
    for (const spec of streams) {
      const dlq = resource(template, dlqOf(spec.id)).Properties;
      expect(dlq).toMatchObject({ QueueName: `smartshelf-dev-${spec.id}-dlq`, SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqOf(spec.id), 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: topic }],
      });
    }
  });
});

describe('the REST API', () => {
  const methods = resourcesOf(template, 'AWS::ApiGateway::Method');
  const apiResources = resourcesOf(template, 'AWS::ApiGateway::Resource');
  const pathOf = (resourceId: unknown): string => {
    const id = referencedId(resourceId);
    const r = apiResources[id];
    if (!r) return '';
    return `${pathOf(r.Properties.ParentId)}/${String(r.Properties.PathPart)}`;
  };
  const authorizerId = () => Object.keys(resourcesOf(template, 'AWS::ApiGateway::Authorizer'))[0];
  const methodOf = (method: string, path: string) =>
    Object.values(methods).find((m) => m.Properties.HttpMethod === method && pathOf(m.Properties.ResourceId) === path) ??
    expect.fail(`no method ${method} ${path}`);

  it('has one Lambda proxy method per route, on the route function', () => {
    const proxies = Object.values(methods).filter((m) => (m.Properties.Integration as { Type: string }).Type === 'AWS_PROXY');
    expect(proxies).toHaveLength(routes.length);
    for (const route of routes) {
      const integration = methodOf(route.method, route.path).Properties.Integration as { Uri: unknown };
      expect(joined(integration.Uri), `${route.method} ${route.path}`).toContain(invocationOf(route.fn));
    }
  });

  it('puts the REQUEST authorizer on every scoped route and on no public one', () => {
    for (const route of routes) {
      const props = methodOf(route.method, route.path).Properties;
      if (route.auth.kind === 'scope') {
        expect(props.AuthorizationType).toBe('CUSTOM');
        expect(props.AuthorizerId).toEqual({ Ref: authorizerId() });
        expect(props.ApiKeyRequired, `${route.method} ${route.path} is metered`).toBe(true);
      } else {
        expect(props.AuthorizationType).toBe('NONE');
        expect(props.AuthorizerId).toBeUndefined();
        expect(props.ApiKeyRequired ?? false).toBe(false);
      }
    }
  });

  it('authorizes with auth-authorize, uncached and without identity sources, checking Cognito tokens', () => {
    const authorizer = resource(template, authorizerId() ?? expect.fail('no authorizer')).Properties;
    expect(authorizer).toMatchObject({ Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0, IdentitySource: '' });
    expect(joined(authorizer.AuthorizerUri)).toContain(invocationOf('auth-authorize'));
    const env = envOf('auth-authorize');
    const pool = logicalIdOf(stack.identity.userPool);
    expect(env[ENV.jwtIssuer]).toEqual({ 'Fn::GetAtt': [pool, 'ProviderURL'] });
    expect(env[ENV.jwtAudience]).toEqual({ Ref: logicalIdOf(stack.identity.client) });
    expect(JSON.stringify(env[ENV.jwksUrl])).toContain('/.well-known/jwks.json');
  });

  it('answers an unrouted method on a routed path with 405 and the allowed methods', () => {
    const byPath = new Map<string, string[]>();
    for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.method]);
    for (const [path, allowed] of byPath) {
      const props = methodOf('ANY', path).Properties;
      const integration = props.Integration as {
        Type: string;
        IntegrationResponses: { StatusCode: string; ResponseParameters: Record<string, string> }[];
      };
      expect(integration.Type).toBe('MOCK');
      expect(integration.IntegrationResponses).toHaveLength(1);
      expect(integration.IntegrationResponses[0]?.StatusCode).toBe('405');
      expect(integration.IntegrationResponses[0]?.ResponseParameters['method.response.header.Allow']).toBe(`'${allowed.sort().join(', ')}'`);
    }
  });

  it('throttles per route as the wiring says, and the rest at the environment default', () => {
    const stage = Object.values(resourcesOf(template, 'AWS::ApiGateway::Stage'))[0]?.Properties ?? expect.fail('no stage');
    const settingsOf = stage.MethodSettings as { HttpMethod: string; ResourcePath: string; ThrottlingRateLimit: number; ThrottlingBurstLimit: number; LoggingLevel: string }[];
    expect(settingsOf).toContainEqual(
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: settings.throttling.rateLimit, ThrottlingBurstLimit: settings.throttling.burstLimit }),
    );
    const throttled = routes.filter((r) => r.throttle);
    expect(settingsOf).toHaveLength(throttled.length + 1);
    for (const route of throttled) {
      expect(settingsOf).toContainEqual(
        expect.objectContaining({
          HttpMethod: route.method,
          ResourcePath: `/${route.path.replace(/\//g, '~1')}`,
          ThrottlingRateLimit: route.throttle?.rate,
          ThrottlingBurstLimit: route.throttle?.burst,
          LoggingLevel: 'INFO',
        }),
      );
    }
  });

  it('traces and writes JSON access logs to its own log group', () => {
    const stage = Object.values(resourcesOf(template, 'AWS::ApiGateway::Stage'))[0]?.Properties ?? expect.fail('no stage');
    expect(stage.TracingEnabled).toBe(true);
    const access = stage.AccessLogSetting as { DestinationArn: unknown; Format: string };
    expect(referencedIds(access.DestinationArn)).toContain(logicalIdOf(stack.api.node.findChild('AccessLogs')));
    expect(JSON.parse(access.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  it('takes uploads as binary and the usage-plan key from the authorizer', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      BinaryMediaTypes: ['multipart/form-data', 'image/*'],
      ApiKeySourceType: 'AUTHORIZER',
    });
  });

  it('meters integrations with a usage plan on the stage, holding an API key', () => {
    const stage = Object.keys(resourcesOf(template, 'AWS::ApiGateway::Stage'))[0];
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      ApiStages: [Match.objectLike({ Stage: { Ref: stage } })],
      Throttle: { RateLimit: settings.integrationsUsagePlan.rateLimit, BurstLimit: settings.integrationsUsagePlan.burstLimit },
      Quota: { Limit: settings.integrationsUsagePlan.quotaPerDay, Period: 'DAY' },
    });
  });

  it('meters people with a second plan whose key only the authorizer can read', () => {
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 2);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 2);
    const secret = logicalIdOf(stack.node.findChild('PeopleUsageKey') as Secret);
    const keys = Object.values(resourcesOf(template, 'AWS::ApiGateway::ApiKey')).map((k) => JSON.stringify(k.Properties.Value ?? null));
    expect(keys.filter((v) => v.includes('resolve:secretsmanager') && v.includes(secret))).toHaveLength(1);
    expect(referencedIds(envOf('auth-authorize')[ENV.peopleUsageKeySecretArn])).toEqual(new Set([secret]));
    const readers = Object.keys(resourcesOf(template, 'AWS::IAM::Role')).filter((role) => {
      const statements = JSON.stringify(roleStatements(template, role));
      return statements.includes('secretsmanager:GetSecretValue') && statements.includes(secret);
    });
    expect(readers).toEqual([roleOfFunction(template, fnIdOf('auth-authorize'))]);
  });

  it('sits behind a regional WAF with per-IP and per-token rate rules and the AWS common rules', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Action: { Block: {} },
          Statement: { RateBasedStatement: { Limit: settings.wafRateLimit, AggregateKeyType: 'IP' } },
        }),
        // People share one usage-plan key: each bearer token gets a rate of its own.
        Match.objectLike({
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: Match.objectLike({
              Limit: settings.wafRateLimitPerToken,
              AggregateKeyType: 'CUSTOM_KEYS',
              CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
            }),
          },
        }),
        Match.objectLike({
          Statement: { ManagedRuleGroupStatement: Match.objectLike({ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' }) },
        }),
      ]),
    });
    const stage = Object.keys(resourcesOf(template, 'AWS::ApiGateway::Stage'))[0] ?? '';
    const association = Object.values(resourcesOf(template, 'AWS::WAFv2::WebACLAssociation'))[0] ?? expect.fail('no association');
    expect(referencedIds(association.Properties.ResourceArn)).toContain(stage);
    expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.api.webAcl), 'Arn'] });
  });

  it('answers everything API Gateway decides itself with an RFC 9457 problem+json', () => {
    const responses = Object.values(resourcesOf(template, 'AWS::ApiGateway::GatewayResponse'));
    const types = responses.map((r) => r.Properties.ResponseType);
    for (const required of ['DEFAULT_4XX', 'DEFAULT_5XX', 'MISSING_AUTHENTICATION_TOKEN', 'UNAUTHORIZED', 'ACCESS_DENIED', 'THROTTLED', 'REQUEST_TOO_LARGE', 'WAF_FILTERED', 'QUOTA_EXCEEDED']) {
      expect(types).toContain(required);
    }
    for (const r of responses) {
      expect((r.Properties.ResponseParameters as Record<string, string>)['gatewayresponse.header.Content-Type']).toBe(`'${PROBLEM_CONTENT_TYPE}'`);
      const mapping = (r.Properties.ResponseTemplates as Record<string, string>)['application/json'] ?? '';
      // API Gateway fills these in; a quoted stand-in shows the template is otherwise valid JSON.
      const body = JSON.parse(mapping.replace('$context.error.messageString', '"message"').replace('$context.requestId', 'req-1'));
      expect(body.type).toMatch(new RegExp(`^${PROBLEM_TYPE_BASE}`));
      expect(body).toHaveProperty('title');
      expect(body.instance).toBe('urn:smartshelf:request:req-1');
      if (r.Properties.StatusCode) expect(body.status).toBe(Number(r.Properties.StatusCode));
    }
  });

  it('answers an unknown route with 404 "no such route", not 403 Missing Authentication Token', () => {
    const missing = responses('MISSING_AUTHENTICATION_TOKEN');
    expect(missing.Properties.StatusCode).toBe('404');
    expect(String((missing.Properties.ResponseTemplates as Record<string, string>)['application/json'])).toMatch(/no-such-route.*No such route/);
  });

  function responses(type: string) {
    return (
      Object.values(resourcesOf(template, 'AWS::ApiGateway::GatewayResponse')).find((r) => r.Properties.ResponseType === type) ??
      expect.fail(`no ${type} response`)
    );
  }
});

describe('buckets and the media CDN', () => {
  const buckets = resourcesOf(template, 'AWS::S3::Bucket');

  it('keeps every bucket encrypted, private and TLS-only', () => {
    // Media, imports, exports, their access logs and the staff console's files.
    expect(Object.keys(buckets)).toHaveLength(5);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('logs access to the media, imports and exports buckets into the log bucket', () => {
    const logs = logicalIdOf(stack.storage.logsBucket);
    for (const b of bucketIds) {
      expect(resource(template, bucketLogicalId(b)).Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logs },
        LogFilePrefix: `s3/${b}/`,
      });
    }
  });

  it('versions media and expires transient imports and exports', () => {
    expect(resource(template, bucketLogicalId('media')).Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    for (const b of ['imports', 'exports'] as const) {
      const rules = (resource(template, bucketLogicalId(b)).Properties.LifecycleConfiguration as { Rules: { ExpirationInDays?: number }[] }).Rules;
      expect(rules.some((r) => (r.ExpirationInDays ?? 0) > 0), b).toBe(true);
    }
  });

  it('serves media through CloudFront with origin access control, HTTPS and access logs', () => {
    // One for media, one for the staff console (console-site.test.ts).
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 2);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: [Match.objectLike({ DomainName: { 'Fn::GetAtt': [bucketLogicalId('media'), 'RegionalDomainName'] }, OriginAccessControlId: Match.anyValue() })],
        Logging: Match.objectLike({ Bucket: { 'Fn::GetAtt': [logicalIdOf(stack.storage.logsBucket), 'RegionalDomainName'] } }),
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketLogicalId('media') },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]),
      },
    });
  });
});

describe('Cognito', () => {
  const staffPool = () => resource(template, logicalIdOf(stack.identity.userPool)).Properties;
  const shopperPool = () => resource(template, logicalIdOf(stack.identity.shopperPool)).Properties;

  it('requires MFA and a strong password on the staff pool, with sign-up closed', () => {
    expect(staffPool()).toMatchObject({
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
    });
  });

  it('lets shoppers sign themselves up in a pool of their own, by a verified email, with MFA offered but not forced', () => {
    expect(Object.keys(resourcesOf(template, 'AWS::Cognito::UserPool'))).toHaveLength(2);
    const pool = shopperPool();
    expect(pool).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE', EmailMessage: expect.stringContaining('{####}') },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      Policies: { PasswordPolicy: { MinimumLength: 10, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
    });
    // Same threat protection as the staff pool in this environment.
    expect(pool.UserPoolTier).toEqual(staffPool().UserPoolTier);
    expect(pool.UserPoolAddOns).toEqual(staffPool().UserPoolAddOns);
  });

  it('gives the shoppers\' apps a public SRP client with shopper scopes only, 1 h tokens and a 30-day refresh', () => {
    const client = resource(template, logicalIdOf(stack.identity.shopperClient)).Properties;
    expect(client).toMatchObject({
      UserPoolId: { Ref: logicalIdOf(stack.identity.shopperPool) },
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlows: ['code'],
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 43200,
    });
    const scopes = [...(client.AllowedOAuthScopes as string[])].sort();
    expect(scopes).toEqual(['email', 'openid', ...scopesForRoles(['shopper']).map((s) => `smartshelf/${s}`)].sort());
    for (const staffOnly of ['admin', 'orders:refund', 'catalog:write']) expect(scopes).not.toContain(`smartshelf/${staffOnly}`);
    // No groups in the shoppers' pool: roles there would be the shopper's to claim.
    for (const group of Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolGroup'))) {
      expect(group.Properties.UserPoolId).toEqual({ Ref: logicalIdOf(stack.identity.userPool) });
    }
  });

  it('adds the verified email to shoppers\' access tokens with a V2_0 pre-token-generation trigger, which their pool\'s plan allows', () => {
    const pool = shopperPool();
    expect(['ESSENTIALS', 'PLUS']).toContain(pool.UserPoolTier);
    expect(pool.LambdaConfig).toEqual({ PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [fnIdOf(SHOPPER_TOKEN_CLAIMS_FN), 'Arn'] }, LambdaVersion: 'V2_0' } });
    // Only the shoppers' pool: staff tokens are left as Cognito makes them.
    expect(staffPool().LambdaConfig).toBeUndefined();
    // Cognito may invoke it for this pool only; the function itself may touch nothing.
    const permissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission')).filter((p) => p.Properties.Principal === 'cognito-idp.amazonaws.com');
    expect(permissions.map((p) => p.Properties)).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [fnIdOf(SHOPPER_TOKEN_CLAIMS_FN), 'Arn'] }, SourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.identity.shopperPool), 'Arn'] } }),
    ]);
    expect(functions.find((f) => f.id === SHOPPER_TOKEN_CLAIMS_FN)?.access).toEqual({});
  });

  it('gives the authorizer both pools\' issuers, audiences and key sets', () => {
    const env = envOf('auth-authorize');
    expect(env[ENV.shopperJwtIssuer]).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.identity.shopperPool), 'ProviderURL'] });
    expect(env[ENV.shopperJwtAudience]).toEqual({ Ref: logicalIdOf(stack.identity.shopperClient) });
    expect(JSON.stringify(env[ENV.shopperJwksUrl])).toContain('/.well-known/jwks.json');
    expect(env[ENV.shopperJwtIssuer]).not.toEqual(env[ENV.jwtIssuer]);
  });

  it('offers the OAuth2 scopes of shared/auth/scopes.ts and a group per human role', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'smartshelf',
      Scopes: SCOPES.map((s) => ({ ScopeName: s, ScopeDescription: Match.anyValue() })),
    });
    const groups = Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolGroup')).map((g) => g.Properties.GroupName);
    expect(groups.sort()).toEqual([...STAFF_ROLES].sort());
    // The staff client may ask for exactly the scopes staff roles confer: never a shopper-only or integration-only one.
    const client = resource(template, logicalIdOf(stack.identity.client));
    expect(client.Properties).toMatchObject({ AllowedOAuthFlows: ['code'], GenerateSecret: false });
    expect([...(client.Properties.AllowedOAuthScopes as string[])].sort()).toEqual(['email', 'openid', ...scopesForRoles(STAFF_ROLES).map((s) => `smartshelf/${s}`)].sort());
  });
});

describe('outputs', () => {
  it('publishes the API URL, user pool, bus and table', () => {
    const outputs = template.findOutputs('*');
    for (const name of ['ApiUrl', 'UserPoolId', 'EventBusName', 'TableName']) expect(outputs).toHaveProperty(name);
    expect(outputs.TableName?.Value).toEqual({ Ref: tableLogicalId() });
    expect(outputs.EventBusName?.Value).toEqual({ Ref: logicalIdOf(stack.messaging.bus) });
  });
});
