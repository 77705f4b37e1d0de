import { defineConfig } from 'vitest/config';

/**
 * The bench's own unit tests (statistics, argument parsing, bundle attribution). They live with the
 * bench rather than in `test/unit`, and run with `npx vitest run --config bench/vitest.config.ts`.
 */
export default defineConfig({
  test: { name: 'bench', root: 'bench', include: ['test/**/*.test.ts'] },
});
