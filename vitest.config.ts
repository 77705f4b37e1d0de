import { basename } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's order (unknown files first, then failed, then slowest) with files named `zz-*` moved after all the
 * others: `test/e2e/zz-no-card-numbers.test.ts` reads the logs the whole e2e run wrote, so it must come last, which a
 * name alone does not ensure (a new or once-failed file would run first).
 */
class LastFilesSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const last = (file: TestSpecification) => basename(file.moduleId).startsWith('zz-');
    return [...sorted.filter((file) => !last(file)), ...sorted.filter(last)];
  }
}

/**
 * Four layers, run one after another by `npm test`:
 * unit (pure logic), integration (real SDK against DynamoDB Local, fauxqs and s3rver),
 * infra (CDK assertions and cdk-nag), e2e (HTTP and a headless browser against the running local platform).
 */
/** Handlers log JSON through Powertools; tests keep only errors worth reading. */
const env = { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_METRICS_DISABLED: 'true' };

export default defineConfig({
  test: {
    sequence: { sequencer: LastFilesSequencer },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'bench/test/**/*.test.ts'], env } },
      {
        test: {
          name: 'integration',
          env,
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], env, testTimeout: 300_000, hookTimeout: 300_000 } },
      {
        test: {
          name: 'e2e',
          env,
          // The browser tests (headless Chromium driving the staff console) share the e2e platform.
          include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
