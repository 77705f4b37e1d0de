import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { streamFilterPattern } from '../../../wiring/stream-filter.js';
import type { StreamSpec } from '../../../wiring/index.js';
import { acknowledge } from '../nag.js';
import { alarmOnDeadLetters, deadLetterQueue, dlqIdOf } from './messaging.js';

export interface StreamConsumersProps {
  namePrefix: string;
  table: ITableV2;
  streams: readonly StreamSpec[];
  functionsById: ReadonlyMap<string, IFunction>;
  alarmTopic: ITopic;
}

/**
 * The consumers of the table's stream: one event source mapping per wiring stream, reading from
 * the oldest record (TRIM_HORIZON) with the wiring's filter as Lambda filter criteria (records it
 * drops cost no invocation), partial batch failures, its retries, record age and bisection, and an
 * encrypted on-failure queue that alarms as soon as it holds a record's position.
 */
export class StreamConsumers extends Construct {
  readonly deadLetterQueues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: StreamConsumersProps) {
    super(scope, id);
    for (const spec of props.streams) {
      const consumer = props.functionsById.get(spec.consumer);
      if (!consumer) throw new Error(`wiring: stream ${spec.id} has unknown consumer ${spec.consumer}`);
      const dlqId = dlqIdOf(spec.id);
      const dlq = deadLetterQueue(this, dlqId, props.namePrefix);
      acknowledge(dlq, 'AwsSolutions-SQS3', `This queue is the on-failure destination of the ${spec.id} stream consumer; a DLQ needs no DLQ of its own.`);
      alarmOnDeadLetters(
        this,
        dlqId,
        dlq,
        `Stream records failed ${spec.consumer} ${spec.retryAttempts} retries (or aged out); their positions wait in ${dlqId}.`,
        props.alarmTopic,
      );
      consumer.addEventSource(
        new DynamoEventSource(props.table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: spec.batchSize,
          retryAttempts: spec.retryAttempts,
          maxRecordAge: Duration.seconds(spec.maxRecordAgeSeconds),
          bisectBatchOnError: spec.bisectOnError,
          reportBatchItemFailures: true,
          filters: [FilterCriteria.filter(streamFilterPattern(spec.filter))],
          onFailure: new SqsDlq(dlq),
        }),
      );
      this.deadLetterQueues.set(spec.id, dlq);
    }
  }
}
