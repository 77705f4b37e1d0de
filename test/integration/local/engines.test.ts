import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { queues } from '../../../wiring/index.js';
import { engines, queueUrl, takeMessage, testS3, uniqueId } from '../../support/engines.js';

describe('integration engines', () => {
  it('exports the platform environment to test workers', () => {
    const { tableName, buckets } = engines();
    expect(process.env.TABLE_NAME).toBe(tableName);
    expect(process.env.MEDIA_BUCKET).toBe(buckets.media);
    expect(process.env.S3_FORCE_PATH_STYLE).toBe('true');
    expect(process.env.MEDIA_BASE_URL).toBe(`${engines().endpoints.s3}/${buckets.media}`);
    for (const q of queues) expect(process.env[`QUEUE_URL_${q.id.toUpperCase().replace(/-/g, '_')}`]).toBe(queueUrl(q.id));
  });

  it('lets default SDK clients reach the engines through the standard endpoint variables', async () => {
    const dynamo = new DynamoDBClient({});
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: engines().tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    dynamo.destroy();

    const s3 = new S3Client({ forcePathStyle: true });
    await expect(s3.send(new HeadBucketCommand({ Bucket: engines().buckets.imports }))).resolves.toBeDefined();
    s3.destroy();

    const sqs = new SQSClient({});
    const marker = uniqueId('msg');
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('catalog-import'), MessageBody: JSON.stringify({ marker }) }));
    sqs.destroy();
    await expect(takeMessage('catalog-import', (b) => (b as { marker?: string }).marker === marker)).resolves.toEqual({ marker });
  });

  it('creates every wiring queue with a redrive policy to its DLQ', async () => {
    const sqs = new SQSClient({});
    for (const spec of queues) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl(spec.id), AttributeNames: ['RedrivePolicy'] }),
      );
      const policy = JSON.parse(Attributes!.RedrivePolicy!) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
      expect(policy.deadLetterTargetArn).toMatch(new RegExp(`:${spec.id}-dlq$`));
      expect(Number(policy.maxReceiveCount)).toBe(spec.maxReceiveCount);
    }
    sqs.destroy();
  });

  it('stores objects in s3rver', async () => {
    const s3 = testS3();
    const key = `${uniqueId('obj')}.txt`;
    await s3.send(new PutObjectCommand({ Bucket: engines().buckets.media, Key: key, Body: 'hello', ContentType: 'text/plain' }));
    const response = await fetch(`${process.env.MEDIA_BASE_URL}/${key}`);
    expect(await response.text()).toBe('hello');
    s3.destroy();
  });
});
