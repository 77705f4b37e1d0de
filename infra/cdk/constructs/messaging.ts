import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { rulePattern, type QueueSpec, type RuleSpec } from '../../../wiring/index.js';

/** What Lambda uses when a function sets no timeout. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
/** Failed messages wait this long in a DLQ for someone to redrive them. */
const DLQ_RETENTION = Duration.days(14);

export interface MessagingProps {
  /** Prefix of physical names, `smartshelf-<env>`. */
  namePrefix: string;
  queues: readonly QueueSpec[];
  rules: readonly RuleSpec[];
  alarmTopic: ITopic;
}

/** Raises an alarm to the operators' topic as soon as a dead-letter queue holds a message. */
export function alarmOnDeadLetters(scope: Construct, dlqId: string, dlq: IQueue, description: string, topic: ITopic): Alarm {
  const alarm = new Alarm(scope, `${dlqId}-not-empty`, {
    alarmDescription: description,
    metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  return alarm;
}

/** An encrypted, TLS-only dead-letter queue named `<prefix>-<dlqId>`, keeping what failed for two weeks. */
export function deadLetterQueue(scope: Construct, dlqId: string, namePrefix: string): Queue {
  return new Queue(scope, dlqId, {
    queueName: `${namePrefix}-${dlqId}`,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DLQ_RETENTION,
  });
}

/** The DLQ id of a wiring queue, as both runtimes name it. */
export function dlqIdOf(queueId: string): string {
  return `${queueId}-dlq`;
}

/**
 * The event bus, one SQS queue plus DLQ per wiring queue (an alarm fires as soon as a DLQ holds
 * a message), and one EventBridge rule per wiring rule, routing matching events to its queue.
 */
export class Messaging extends Construct {
  readonly bus: EventBus;
  readonly queues = new Map<string, Queue>();
  readonly deadLetterQueues = new Map<string, Queue>();
  private readonly specs: readonly QueueSpec[];

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    this.specs = props.queues;
    this.bus = new EventBus(this, 'Bus', { eventBusName: props.namePrefix });

    for (const spec of props.queues) {
      const dlqId = dlqIdOf(spec.id);
      const dlq = deadLetterQueue(this, dlqId, props.namePrefix);
      const queue = new Queue(this, spec.id, {
        queueName: `${props.namePrefix}-${spec.id}`,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
      });
      alarmOnDeadLetters(this, dlqId, dlq, `Messages of ${spec.id} failed ${spec.maxReceiveCount} times and wait in ${dlqId}.`, props.alarmTopic);
      this.queues.set(spec.id, queue);
      this.deadLetterQueues.set(spec.id, dlq);
    }

    for (const spec of props.rules) {
      const queue = this.queues.get(spec.target.queue);
      if (!queue) throw new Error(`wiring: rule ${spec.id} targets unknown queue ${spec.target.queue}`);
      new Rule(this, spec.id, {
        ruleName: `${props.namePrefix}-${spec.id}`,
        eventBus: this.bus,
        eventPattern: rulePattern(spec),
        targets: [new SqsQueue(queue)],
      });
    }
  }

  /**
   * Attaches each queue's consumer. Lambda refuses an SQS trigger whose visibility timeout is
   * shorter than the function's timeout, so that mistake in the wiring fails synth instead of deploy.
   */
  connectConsumers(functionsById: ReadonlyMap<string, NodejsFunction>): void {
    for (const spec of this.specs) {
      const consumer = functionsById.get(spec.consumer);
      if (!consumer) throw new Error(`wiring: queue ${spec.id} has unknown consumer ${spec.consumer}`);
      const timeout = consumer.timeout?.toSeconds() ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS;
      if (spec.visibilityTimeoutSeconds < timeout) {
        throw new Error(
          `wiring: queue ${spec.id} visibility timeout ${spec.visibilityTimeoutSeconds}s is shorter than ${spec.consumer}'s timeout ${timeout}s`,
        );
      }
      const queue = this.queues.get(spec.id);
      if (!queue) throw new Error(`wiring: queue ${spec.id} was not created`);
      consumer.addEventSource(new SqsEventSource(queue, { batchSize: spec.batchSize, reportBatchItemFailures: true }));
    }
  }
}
