import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { firstFailure, lambdaStreamRecord } from '../../../infra/local/streams.js';

const record = (sequence: string): DynamoDBRecord => ({ eventName: 'INSERT', dynamodb: { SequenceNumber: sequence } });
const batch = ['001', '002', '003', '004'].map(record);

describe('reading a stream consumer answer as Lambda does', () => {
  it('succeeds without batchItemFailures or with an empty list', () => {
    expect(firstFailure(batch, { result: undefined })).toBe(-1);
    expect(firstFailure(batch, { result: { batchItemFailures: [] } })).toBe(-1);
  });

  it('fails from the earliest record named, whatever the order of the list', () => {
    expect(firstFailure(batch, { result: { batchItemFailures: [{ itemIdentifier: '004' }, { itemIdentifier: '002' }] } })).toBe(1);
  });

  it('fails the whole batch on a thrown error, an unknown identifier or an empty one', () => {
    expect(firstFailure(batch, { error: new Error('boom') })).toBe(0);
    expect(firstFailure(batch, { result: { batchItemFailures: [{ itemIdentifier: '003' }, { itemIdentifier: '999' }] } })).toBe(0);
    expect(firstFailure(batch, { result: { batchItemFailures: [{ itemIdentifier: '' }] } })).toBe(0);
  });
});

describe('the record a local stream consumer receives', () => {
  it('has the shape of Lambda’s: epoch seconds, binary as base64, the stream ARN as its source', () => {
    const converted = lambdaStreamRecord(
      {
        eventID: 'e1',
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'ddblocal',
        dynamodb: {
          ApproximateCreationDateTime: new Date('2026-03-01T10:00:00Z'),
          Keys: { pk: { S: 'A' }, sk: { S: 'B' } },
          NewImage: { pk: { S: 'A' }, blob: { B: Buffer.from('hi') }, nested: { M: { list: { L: [{ N: '1' }, { BS: [Buffer.from('x')] }] } } } },
          SequenceNumber: '000000000000000000007',
          SizeBytes: 42,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      },
      'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2026',
    );
    expect(converted).toEqual({
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: expect.any(String),
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-03-01T10:00:00Z') / 1000,
        Keys: { pk: { S: 'A' }, sk: { S: 'B' } },
        NewImage: { pk: { S: 'A' }, blob: { B: 'aGk=' }, nested: { M: { list: { L: [{ N: '1' }, { BS: ['eA=='] }] } } } },
        SequenceNumber: '000000000000000000007',
        SizeBytes: 42,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2026',
    });
  });
});
