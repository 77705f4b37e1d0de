import { describe, expect, it } from 'vitest';
import { floorId, floorSource } from '../sections/init/floor.js';

const none = { dynamodb: false, s3: false, eventbridge: false, sqs: false, model: false };

describe('floorId', () => {
  it('names a floor after what it loads, so functions with the same grants share one', () => {
    expect(floorId({ ...none, dynamodb: true, model: true })).toBe('floor-dynamodb-model');
    expect(floorId(none)).toBe('floor-zod');
  });
});

describe('floorSource', () => {
  it('builds each granted client at module scope and nothing else', () => {
    const source = floorSource({ ...none, dynamodb: true, sqs: true }, '../model.js');
    expect(source).toContain("from '@aws-sdk/client-dynamodb'");
    expect(source).toContain('DynamoDBDocumentClient.from(new DynamoDBClient({})');
    expect(source).toContain('new SQSClient({})');
    expect(source).not.toContain('client-s3');
    expect(source).not.toContain('client-eventbridge');
    expect(source).not.toContain('../model.js');
  });

  it('keeps every schema of the model module by using the namespace as a whole', () => {
    const source = floorSource({ ...none, model: true }, '../../shared/catalog/model.js');
    expect(source).toContain("import * as model from '../../shared/catalog/model.js';");
    expect(source).toContain('Object.keys(model)');
  });

  it('always parses the environment with zod, as the configuration does', () => {
    expect(floorSource(none, 'unused')).toContain("import { z } from 'zod';");
  });
});
