import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { EventContract } from '../../events/contract.js';
import { logger } from '../observability/logger.js';
import { metrics } from '../observability/metrics.js';
import { tracer } from '../observability/tracer.js';

/** A message body that does not match its contract: it fails on every delivery and ends in the DLQ, where the alarm points at it. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

export interface ConsumerContext {
  record: SQSRecord;
  context: Context;
  /** How many times SQS has delivered this record, this delivery included. */
  receiveCount: number;
}

/**
 * An SQS consumer with partial batch failures (Powertools batch): each record's body is parsed
 * with `schema` and handed to `fn`; a record that throws is reported alone, so SQS redelivers only
 * it and moves it to the queue's DLQ after `maxReceiveCount`. A body that does not parse is never
 * dropped: it fails like any other record, so a poison message is kept for inspection.
 * Each batch is traced (its SDK calls become X-Ray subsegments) and counted in the
 * `MessagesProcessed` and `MessagesFailed` metrics.
 */
export function queueConsumer<S extends z.ZodType>(schema: S, fn: (message: z.infer<S>, ctx: ConsumerContext) => Promise<void>) {
  const processor = new BatchProcessor(EventType.SQS);
  const consume = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const handle = async (record: SQSRecord) => {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        body = undefined;
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        logger.error('poison message: body does not match the consumer contract', { messageId: record.messageId, issues: parsed.error.issues });
        throw new PoisonMessageError(`message ${record.messageId} does not match the consumer contract`);
      }
      await fn(parsed.data, { record, context, receiveCount: Number(record.attributes.ApproximateReceiveCount) });
    };
    const response = await processPartialResponse(event, handle, processor, { context, throwOnFullBatchFailure: false });
    const failed = response.batchItemFailures.length;
    metrics.addMetric('MessagesProcessed', MetricUnit.Count, event.Records.length - failed);
    metrics.addMetric('MessagesFailed', MetricUnit.Count, failed);
    return response;
  };
  return observedBatchHandler(consume);
}

/**
 * What every batch consumer (of a queue or of the table's stream) runs inside: the Lambda context
 * in its logs, the Powertools tracer, and its metrics flushed when it returns.
 */
export function observedBatchHandler<E, R>(consume: (event: E, context: Context) => Promise<R>) {
  // Consumers budget their own time (an import checkpoints before the deadline), so middy must not cut them short.
  return middy(consume, { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(logMetrics(metrics));
}

/**
 * A consumer of SmartShelf events that an EventBridge rule delivers to a queue: the body is
 * EventBridge's envelope around ours, checked against the event's contract (detail-type and data).
 */
export function eventConsumer<S extends z.ZodType>(
  contract: EventContract<S>,
  fn: (data: z.infer<S>, ctx: ConsumerContext & { eventId: string }) => Promise<void>,
) {
  const Delivered = z.object({
    'detail-type': z.literal(contract.detailType),
    source: z.literal(contract.source),
    detail: z.object({ id: z.string(), version: z.literal(contract.version), data: contract.schema }),
  });
  return queueConsumer(Delivered, (delivered, ctx) => {
    // zod cannot carry the generic contract schema through z.object's inference; the parse above checked it.
    const detail = delivered.detail as { id: string; data: z.infer<S> };
    return fn(detail.data, { ...ctx, eventId: detail.id });
  });
}
