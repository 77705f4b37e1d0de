import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sqsRecord, succeededIds } from '../../../infra/local/pollers.js';

const records = ['a', 'b', 'c'].map((id) => ({ messageId: id }) as SQSRecord);

describe('partial batch responses', () => {
  it('counts every message as done when the consumer returns nothing special', () => {
    expect(succeededIds(records, { result: undefined })).toEqual(['a', 'b', 'c']);
    expect(succeededIds(records, { result: { batchItemFailures: [] } })).toEqual(['a', 'b', 'c']);
  });

  it('keeps the listed failures and deletes the rest', () => {
    expect(succeededIds(records, { result: { batchItemFailures: [{ itemIdentifier: 'b' }] } })).toEqual(['a', 'c']);
  });

  it('fails the whole batch when the consumer throws', () => {
    expect(succeededIds(records, { error: new Error('boom') })).toEqual([]);
  });

  it('fails the whole batch for an unknown or empty item identifier, as Lambda does', () => {
    expect(succeededIds(records, { result: { batchItemFailures: [{ itemIdentifier: 'zzz' }] } })).toEqual([]);
    expect(succeededIds(records, { result: { batchItemFailures: [{ itemIdentifier: '' }] } })).toEqual([]);
  });
});

describe('SQS records', () => {
  it('carry what Lambda’s event source mapping puts in them', () => {
    const record = sqsRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'r1',
        Body: '{"x":1}',
        MD5OfBody: 'md5',
        Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000', SenderId: 's', ApproximateFirstReceiveTimestamp: '1700000000001' },
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'k' } },
      },
      'arn:aws:sqs:us-east-1:000000000000:q',
    );
    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'r1',
      body: '{"x":1}',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000', SenderId: 's', ApproximateFirstReceiveTimestamp: '1700000000001' },
      messageAttributes: { kind: { dataType: 'String', stringValue: 'k', stringListValues: [], binaryListValues: [] } },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    });
  });
});
