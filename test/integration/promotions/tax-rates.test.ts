import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { DEFAULT_TAX_RATES, getTaxRates, readTaxRates, replaceTaxRates, seedTaxRates, taxDeps } from '../../../shared/tax/rates.js';
import { engines } from '../../support/engines.js';
import { appError, itemAt } from '../catalog/fixtures.js';
import { auditOf, NOW } from './fixtures.js';

/**
 * The table holds one tax rate table, so these tests run one after another in this file and start
 * from nothing each time; no other test file writes it.
 */

const deps = (now = NOW) => taxDeps({ tableName: engines().tableName, now: () => now });
const admin = (ifMatch: string | undefined) => ({ actor: 'admin-1', ifMatch });
const withFood = (food: number) => ({ ...DEFAULT_TAX_RATES, GB: { ...DEFAULT_TAX_RATES.GB!, food } });

afterEach(async () => {
  await dynamo.send(new DeleteCommand({ TableName: engines().tableName, Key: keys.taxRates() }));
});

describe('the stored tax rate table', () => {
  it('is the built-in default at version 0 until one is stored', async () => {
    expect(await readTaxRates(deps())).toEqual({ rates: DEFAULT_TAX_RATES, version: 0 });
    expect(await getTaxRates({ maxAgeSeconds: 0 }, deps())).toEqual(DEFAULT_TAX_RATES);
  });

  it('is seeded once: a second seed leaves a changed table alone', async () => {
    expect(await seedTaxRates(deps())).toBe(true);
    await replaceTaxRates({ rates: withFood(500) }, admin('"1"'), deps());
    expect(await seedTaxRates(deps())).toBe(false);
    expect(await readTaxRates(deps())).toMatchObject({ version: 2, rates: withFood(500) });
  });

  it('replaces the table under If-Match, audited, and refuses a stale version with 409 changing nothing', async () => {
    await seedTaxRates(deps());
    const changed = await replaceTaxRates({ rates: withFood(500) }, admin('"1"'), deps());
    expect(changed).toEqual({ rates: withFood(500), version: 2, updatedAt: NOW.toISOString(), updatedBy: 'admin-1' });
    expect(await itemAt(keys.taxRates())).toMatchObject({ entityType: 'TaxRates', schemaVersion: 1, version: 2 });
    expect((await auditOf('tax-rates', 'current')).at(-1)).toMatchObject({
      action: 'replaced',
      actor: 'admin-1',
      before: { version: 1, rates: DEFAULT_TAX_RATES },
      after: { version: 2, rates: withFood(500) },
    });

    const stale = await appError(replaceTaxRates({ rates: withFood(700) }, admin('"1"'), deps()));
    expect(stale).toMatchObject({ kind: 'conflict', code: 'version-mismatch', extensions: { expectedVersion: 1, currentVersion: 2 } });
    expect(await readTaxRates(deps())).toEqual(changed);
  });

  it('lets exactly one of two concurrent replacements of one version win', async () => {
    await seedTaxRates(deps());
    const results = await Promise.allSettled([500, 700].map((food) => replaceTaxRates({ rates: withFood(food) }, admin('"1"'), deps())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason).toMatchObject({ code: 'version-mismatch' });
    expect((await readTaxRates(deps())).version).toBe(2);
  });

  it('refuses a missing If-Match and a malformed table with 400, changing nothing', async () => {
    await seedTaxRates(deps());
    expect((await appError(replaceTaxRates({ rates: withFood(500) }, admin(undefined), deps()))).fields?.[0]?.field).toBe('header.if-match');
    expect((await appError(replaceTaxRates({ rates: { gb: DEFAULT_TAX_RATES.GB! } }, admin('"1"'), deps()))).fields?.[0]?.field).toBe('body.rates.gb');
    expect((await readTaxRates(deps())).version).toBe(1);
  });

  it('serves the table it read for 60 s in one container, then reads it again', async () => {
    await seedTaxRates(deps());
    expect(await getTaxRates({ maxAgeSeconds: 0 }, deps())).toEqual(DEFAULT_TAX_RATES);
    // Another container's change, which this one has not seen.
    await dynamo.send(
      new UpdateCommand({ TableName: engines().tableName, Key: keys.taxRates(), UpdateExpression: 'SET rates.GB.food = :food', ExpressionAttributeValues: { ':food': 500 } }),
    );
    expect(await getTaxRates({}, deps(new Date(NOW.getTime() + 59_000)))).toEqual(DEFAULT_TAX_RATES);
    expect(await getTaxRates({}, deps(new Date(NOW.getTime() + 60_000)))).toEqual(withFood(500));
  });
});
