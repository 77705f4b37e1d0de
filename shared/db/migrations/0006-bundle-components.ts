import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { backfill, type Item } from './backfill.js';
import type { Migration, MigrationDeps } from './types.js';

/** What the claims need from products: each product's status, and the active bundles listing each component SKU. */
interface ProductFacts {
  status: Map<string, string>;
  bundledBy: Map<string, Set<string>>;
}

async function readProducts(deps: MigrationDeps): Promise<ProductFacts> {
  const facts: ProductFacts = { status: new Map(), bundledBy: new Map() };
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new ScanCommand({
        TableName: deps.tableName,
        FilterExpression: '#entityType = :product',
        ProjectionExpression: 'id, #status, bundle',
        ExpressionAttributeNames: { '#entityType': 'entityType', '#status': 'status' },
        ExpressionAttributeValues: { ':product': 'Product' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const product of page.Items ?? []) {
      const id = product.id as string;
      facts.status.set(id, product.status as string);
      const components = ((product.bundle as Item | undefined)?.components ?? []) as { sku: string }[];
      if (product.status !== 'active') continue;
      for (const { sku } of components) facts.bundledBy.set(sku, (facts.bundledBy.get(sku) ?? new Set()).add(id));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return facts;
}

/**
 * A product in an active bundle may not be retired (issue 14), and a bundle may only list products on sale. Both are
 * conditions on the components' SKU claims, which since schema version 2 carry `productStatus` (their product's) and
 * `bundledBy` (a string set of the active bundles listing the SKU). This gives older claims both, from the products
 * as they stand. Claims are stamped with schema version 2; a claim a bundle change already touched since the deploy is
 * rewritten too (those changes do not stamp it), so run this before staff edit bundles, as deploys do.
 */
export const bundleComponents: Migration = {
  version: '0006-bundle-components',
  description: "Give every SKU claim its product's status and the active bundles that list it",
  async run(deps) {
    const facts = await readProducts(deps);
    const changed = await backfill(deps, {
      entityTypes: ['SkuClaim'],
      toVersion: 2,
      change: (item) => {
        const status = facts.status.get(item.productId as string);
        const bundles = facts.bundledBy.get(item.sku as string);
        return { ...(status ? { productStatus: status } : {}), ...(bundles ? { bundledBy: bundles } : {}) };
      },
    });
    deps.log(`gave ${changed} SKU claim(s) their product's status and bundles`);
  },
};
