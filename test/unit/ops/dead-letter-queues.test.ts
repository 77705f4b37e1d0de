import { describe, expect, it } from 'vitest';
import { queueUrlPrefixOf, type CreatedQueue } from '../../../infra/local/queues.js';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';
import { DEAD_LETTER_ENV } from '../../../shared/config/env-names.js';

/** How both runtimes name the dead-letter queues a function may read or redrive: ids plus one URL prefix. */

const created = (base: string, id: string): CreatedQueue => ({ id, url: `${base}${id}`, arn: `arn:aws:sqs:eu-west-2:0:${id}`, dlqUrl: `${base}${id}-dlq`, dlqArn: `arn:aws:sqs:eu-west-2:0:${id}-dlq` });

describe('config.deadLetterQueues', () => {
  it('builds each queue’s URL and its DLQ’s from the ids and the prefix, in the order given', () => {
    const config = makeConfig({
      [DEAD_LETTER_ENV.queueIds]: 'billing-sync,catalog-import',
      [DEAD_LETTER_ENV.queueUrlPrefix]: 'https://sqs.eu-west-2.amazonaws.com/123456789012/smartshelf-dev-',
    });
    expect(config.deadLetterQueues).toEqual([
      {
        queueId: 'billing-sync',
        queueUrl: 'https://sqs.eu-west-2.amazonaws.com/123456789012/smartshelf-dev-billing-sync',
        dlqUrl: 'https://sqs.eu-west-2.amazonaws.com/123456789012/smartshelf-dev-billing-sync-dlq',
      },
      {
        queueId: 'catalog-import',
        queueUrl: 'https://sqs.eu-west-2.amazonaws.com/123456789012/smartshelf-dev-catalog-import',
        dlqUrl: 'https://sqs.eu-west-2.amazonaws.com/123456789012/smartshelf-dev-catalog-import-dlq',
      },
    ]);
  });

  it('is empty for a function granted none, and names the missing prefix when only the ids are set', () => {
    expect(makeConfig({}).deadLetterQueues).toEqual([]);
    expect(() => makeConfig({ [DEAD_LETTER_ENV.queueIds]: 'billing-sync' }).deadLetterQueues).toThrow(new ConfigError(`${DEAD_LETTER_ENV.queueUrlPrefix} is not set: the function's wiring does not grant this resource`));
  });
});

describe('queueUrlPrefixOf (the local platform)', () => {
  it('finds the URL every local queue and DLQ name follows', () => {
    const base = 'http://sqs.eu-west-2.localhost:9324/000000000000/';
    expect(queueUrlPrefixOf([created(base, 'billing-sync'), created(base, 'loyalty-earn')])).toBe(base);
  });

  it('refuses to start when a queue or its DLQ is elsewhere', () => {
    const base = 'http://localhost:9324/000000000000/';
    expect(() => queueUrlPrefixOf([created(base, 'billing-sync'), created('http://other:1/0/', 'loyalty-earn')])).toThrow(/queue loyalty-earn is not at/);
    expect(() => queueUrlPrefixOf([{ ...created(base, 'billing-sync'), dlqUrl: `${base}billing-sync-dead` }])).toThrow(/queue billing-sync is not at/);
  });
});
