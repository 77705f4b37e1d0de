import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalConsole } from '../../../infra/local/console.js';
import { lambdaContext } from '../../../infra/local/functions.js';
import { invocationScope } from '../../../infra/local/invocations.js';
import { captureOutput } from '../../../infra/local/log-capture.js';

const saved = { level: process.env.POWERTOOLS_LOG_LEVEL, concurrency: process.env.AWS_LAMBDA_MAX_CONCURRENCY };
afterAll(() => {
  for (const [name, value] of [['POWERTOOLS_LOG_LEVEL', saved.level], ['AWS_LAMBDA_MAX_CONCURRENCY', saved.concurrency]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('invocations sharing one process', () => {
  it('keep their own function name and correlation id in one shared Powertools logger, and their own log file', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    const scope = await invocationScope();
    // One logger for every function, as the handlers share `shared/observability/logger.ts` in the local process.
    const logger = new Logger({ serviceName: 'smartshelf' });
    const dir = await mkdtemp(join(tmpdir(), 'smartshelf-invocations-'));
    const shown: string[] = [];
    const out = new LocalConsole({ level: 'INFO', dir, write: (text) => shown.push(text) });
    const release = captureOutput(scope, out);
    try {
      const invoke = (fnId: string, correlationId: string, pauseMs: number) => {
        const context = lambdaContext({ id: fnId }, 'local');
        return scope.run(fnId, context.awsRequestId, async () => {
          logger.addContext(context);
          logger.appendKeys({ correlationId });
          // The other invocations set their own context and keys while this one waits.
          await sleep(pauseMs);
          logger.info('first');
          await sleep(pauseMs);
          logger.warn('second');
        });
      };
      await Promise.all(Array.from({ length: 10 }, (_, i) => invoke(i % 2 ? 'stores-get-store' : 'catalog-get-product', `c-${i}`, 10 - i)));
    } finally {
      release();
      await out.close();
    }
    for (const [fnId, parity] of [['catalog-get-product', 0], ['stores-get-store', 1]] as const) {
      const entries = (await readFile(join(dir, `${fnId}.log`), 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { message: string; function_name: string; correlationId: string });
      expect(entries).toHaveLength(10);
      expect(new Set(entries.map((e) => e.function_name))).toEqual(new Set([`smartshelf-local-${fnId}`]));
      expect(new Set(entries.map((e) => e.correlationId))).toEqual(new Set([0, 2, 4, 6, 8].map((i) => `c-${i + parity}`)));
    }
    // The warnings reached the terminal, each naming its own function and correlation id; the INFO entries did not.
    expect(shown.filter((line) => line.startsWith('WARN catalog-get-product: second')).map((l) => /"correlationId":"(c-\d)"/.exec(l)?.[1]).sort()).toEqual(['c-0', 'c-2', 'c-4', 'c-6', 'c-8']);
    expect(shown.join('')).not.toContain('first');
    await rm(dir, { recursive: true, force: true });
  });
});
