import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The bench's own unit tests (statistics, argument parsing, bundle attribution). They live with the
 * bench rather than in `test/unit`, and run with `npx vitest run --config bench/vitest.config.ts`.
 */
export default defineConfig({
  // Vite's cache would otherwise appear as bench/node_modules.
  cacheDir: fileURLToPath(new URL('../node_modules/.vite/bench', import.meta.url)),
  test: { name: 'bench', root: fileURLToPath(new URL('.', import.meta.url)), include: ['test/**/*.test.ts'] },
});
