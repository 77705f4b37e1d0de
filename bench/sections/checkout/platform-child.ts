import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPlatform } from '../../../infra/local/platform.js';
import { ENV } from '../../../shared/config/env-names.js';
import { serveFromChild } from '../../lib/child.js';
import { emptyCounts, recordCall, recordError } from './dynamo-calls.js';

/**
 * The local platform for the checkout section, with every call through the process-wide DynamoDB client counted.
 * The platform runs all handlers in this process, so a middleware on `shared/db/client.ts`'s `dynamo` sees every
 * call the functions make; installing it here keeps the counting out of shared code. The counts are served on a
 * second, bench-only port: `GET /dynamo-calls` answers the running totals.
 */

export interface CheckoutPlatformInput {
  dataDir: string;
  /** Another platform's DynamoDB Local to share instead of starting one; that platform seeds the table. */
  dynamodbEndpoint?: string;
}

export interface CheckoutPlatformInfo {
  url: string;
  /** `GET <controlUrl>/dynamo-calls` returns the running {@link CallCounts}. */
  controlUrl: string;
  dynamodbEndpoint: string;
  tableName: string;
  seeded: unknown;
}

await serveFromChild(async (input: CheckoutPlatformInput) => {
  const shared = input.dynamodbEndpoint !== undefined;
  const platform = await startPlatform({
    port: 0,
    dataDir: input.dataDir,
    fresh: true,
    seed: !shared,
    consoleLevel: 'SILENT',
    ...(shared ? { dynamodbEndpoint: input.dynamodbEndpoint } : {}),
  });
  const tableName = process.env[ENV.tableName];
  if (!tableName) throw new Error(`the platform did not set ${ENV.tableName}`);

  // Imported after the start, so that the client is the one handlers already use, built once the environment was set.
  const { dynamo } = await import('../../../shared/db/client.js');
  const counts = emptyCounts();
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'Unknown';
      recordCall(counts, command, args.input as Record<string, unknown>);
      try {
        return await next(args);
      } catch (error) {
        recordError(counts, command, args.input as Record<string, unknown>, error);
        throw error;
      }
    },
    { step: 'initialize', name: 'benchDynamoCallCounter' },
  );

  const control = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/dynamo-calls') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const value: CheckoutPlatformInfo = {
    url: platform.url,
    controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    dynamodbEndpoint: platform.endpoints.dynamodb,
    tableName,
    seeded: platform.seeded,
  };
  return {
    value,
    stop: async () => {
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await platform.stop();
    },
  };
});
