import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The direction rules of `eslint.config.js` (`smartshelf/layer-imports`), proved on snippets linted as if they were
 * files of the repository: each forbidden direction is an error naming both directories, each allowed one is not.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, filePath) });
  return result!.messages.filter((m) => m.ruleId === 'smartshelf/layer-imports').map((m) => m.message);
}

describe('the import direction lint rules', () => {
  // Loading the configuration and its plugins takes seconds on a busy machine: once, before the cases.
  beforeAll(() => layerErrors('shared/example.ts', ''), 60_000);

  it.each([
    ['shared/catalog/example.ts', "import { handler } from '../../functions/catalog/get-product.js';", 'shared/ must not import functions/'],
    ['shared/catalog/example.ts', "import { startPlatform } from '../../infra/local/platform.js';", 'shared/ must not import infra/'],
    ['shared/catalog/example.ts', "export { AppFunction } from '../../infra/cdk/constructs/app-function.js';", 'shared/ must not import infra/'],
    ['shared/catalog/example.ts', "export const load = () => import('../../infra/local/platform.js');", 'shared/ must not import infra/'],
    ['wiring/example.ts', "import { config } from '../shared/config/config.js';", 'wiring/ must not import shared/'],
    ['wiring/example.ts', "import type { Scope } from '../shared/auth/scopes.js';", 'wiring/ must not import shared/'],
    ['wiring/example.ts', "import { handler } from '../functions/catalog/get-product.js';", 'wiring/ must not import functions/'],
    ['wiring/example.ts', "import { REPO_ROOT } from '../infra/local/platform.js';", 'wiring/ must not import infra/'],
    ['events/orders/example.ts', "import { keys } from '../../shared/db/keys.js';", 'events/ must not import shared/'],
    ['events/orders/example.ts', "import { handler } from '../../functions/orders/get-order.js';", 'events/ must not import functions/'],
    ['events/orders/example.ts', "import { wiring } from '../../infra/cdk/app.js';", 'events/ must not import infra/'],
    ['functions/catalog/example.ts', "import { handler } from './get-product.js';", 'functions/ must not import functions/'],
    ['functions/catalog/example.ts', "import { handler } from '../orders/get-order.js';", 'functions/ must not import functions/'],
  ])('refuses in %s: %s', async (file, code, expected) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
  });

  it.each([
    ['shared/catalog/example.ts', "import { routes } from '../../wiring/index.js';"],
    ['shared/catalog/example.ts', "import { productCreatedV1 } from '../../events/catalog/product-created.v1.js';"],
    ['wiring/example.ts', "import { productCreatedV1 } from '../events/catalog/product-created.v1.js';"],
    ['functions/catalog/example.ts', "import { config } from '../../shared/config/config.js';"],
    ['functions/catalog/example.ts', "import { queues } from '../../wiring/index.js';"],
    ['infra/local/example.ts', "import { handler } from '../../functions/catalog/get-product.js';"],
    ['shared/catalog/example.ts', "import { z } from 'zod';"],
  ])('allows in %s: %s', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
