import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { attributedTo, auditItem, systemActor, type AuditedBy } from '../audit/audit-entry.js';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { ConflictError, ValidationError } from '../errors.js';
import { fieldErrors } from '../http/validate.js';
import { TaxRateTable } from '../pricing/tax.js';
import { tableDeps, type TableDeps } from '../db/deps.js';

/**
 * The stored tax rate table: one item at `keys.taxRates()`, replaced whole under an optimistic
 * version, so that a rate change is data rather than a release. The maths that applies the rates
 * lives in `shared/pricing/tax.ts`; this module only keeps the table.
 */

export const TAX_RATES_SCHEMA_VERSION = 1;

/**
 * The table in force until an admin stores one, and the one the local seed writes. Illustrative
 * figures, not tax advice: GB VAT (food zero-rated, standard 20 %), IE VAT (food zero-rated,
 * standard 23 %), New York City sales tax (groceries exempt, combined 8.875 % rounded to 888 bp).
 */
export const DEFAULT_TAX_RATES: TaxRateTable = {
  GB: { food: 0, 'non-food': 2000, alcohol: 2000 },
  IE: { food: 0, 'non-food': 2300, alcohol: 2300 },
  'US-NY': { food: 0, 'non-food': 888, alcohol: 888 },
};

/** An ISO 3166-1 country, optionally with an ISO 3166-2 subdivision: `GB`, `US-NY`. */
const JURISDICTION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

export const ReplaceTaxRatesRequest = z.strictObject({
  /** Every jurisdiction SmartShelf sells in, each with a rate in basis points for every tax category; the whole table is replaced. */
  rates: TaxRateTable.superRefine((table, ctx) => {
    const names = Object.keys(table);
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one jurisdiction' });
    for (const name of names) {
      if (!JURISDICTION.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'must be an ISO 3166 code such as GB or US-NY' });
    }
  }),
});
export type ReplaceTaxRatesInput = z.input<typeof ReplaceTaxRatesRequest>;

/** The table as the API shows it. Version 0 is the built-in default, in force while nothing is stored. */
export const TaxRatesView = z.strictObject({
  rates: TaxRateTable,
  version: z.number().int().nonnegative(),
  updatedAt: z.iso.datetime().optional(),
  updatedBy: z.string().optional(),
});
export type TaxRatesView = z.infer<typeof TaxRatesView>;

/** The tax-rate use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type TaxDeps = TableDeps;

/** The production dependencies, with any of them replaced. */
export const taxDeps = tableDeps;

/** How long one container trusts the table it read: a stored change reaches every container within this. */
export const TAX_RATES_MAX_AGE_SECONDS = 60;

const cache = new Map<string, { rates: TaxRateTable; readAt: number }>();

function itemOf(view: TaxRatesView): Record<string, unknown> {
  return { ...keys.taxRates(), entityType: 'TaxRates', schemaVersion: TAX_RATES_SCHEMA_VERSION, ...view };
}

/** The stored table with its version, read consistently; the built-in default at version 0 when none is stored. */
export async function readTaxRates(deps: TaxDeps = taxDeps()): Promise<TaxRatesView> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.taxRates(), ConsistentRead: true }));
  if (!Item) return { rates: DEFAULT_TAX_RATES, version: 0 };
  const { pk: _pk, sk: _sk, entityType: _type, schemaVersion: _version, ...view } = Item;
  const parsed = TaxRatesView.parse(view);
  cache.set(deps.tableName, { rates: parsed.rates, readAt: deps.now().getTime() });
  return parsed;
}

/**
 * The tax rate table for pricing, cached in this container for up to `maxAgeSeconds` (60 s by
 * default): a rate changed with `PUT /tax-rates` prices carts in other containers after at most
 * that long. Pass `{ maxAgeSeconds: 0 }` where a fresh read matters more than a round trip.
 */
export async function getTaxRates(options: { maxAgeSeconds?: number } = {}, deps: TaxDeps = taxDeps()): Promise<TaxRateTable> {
  const maxAgeMs = (options.maxAgeSeconds ?? TAX_RATES_MAX_AGE_SECONDS) * 1000;
  const hit = cache.get(deps.tableName);
  if (hit && deps.now().getTime() - hit.readAt < maxAgeMs) return hit.rates;
  return (await readTaxRates(deps)).rates;
}

/**
 * Reads the version an `If-Match` header names: a strong tag such as `"3"` (`"0"` for the built-in default).
 * @throws ValidationError (400) when the header is missing or is not such a tag
 */
export function versionFromIfMatch(header: string | undefined): number {
  const match = header === undefined ? null : /^"(0|[1-9]\d{0,14})"$/.exec(header.trim());
  if (!match) {
    throw new ValidationError([{ field: 'header.if-match', message: 'is required: send the ETag of the table being replaced, such as "3"' }]);
  }
  return Number(match[1]);
}

/** The strong entity tag of a table version, `"3"`. */
export function taxRatesEtag(view: Pick<TaxRatesView, 'version'>): string {
  return `"${view.version}"`;
}

/**
 * Replaces the whole tax rate table, on condition that it is still at the version `If-Match`
 * names, and records the change in the audit log in the same transaction.
 * @throws ValidationError (400) for a malformed table or a missing or malformed If-Match
 * @throws ConflictError (409, `version-mismatch`) when the table has moved on since it was read
 */
export async function replaceTaxRates(
  input: ReplaceTaxRatesInput,
  who: AuditedBy & { ifMatch: string | undefined },
  deps: TaxDeps = taxDeps(),
): Promise<TaxRatesView> {
  const parsed = ReplaceTaxRatesRequest.safeParse(input);
  if (!parsed.success) throw new ValidationError(fieldErrors('body', parsed.error));
  const expected = versionFromIfMatch(who.ifMatch);
  const current = await readTaxRates(deps);
  if (current.version !== expected) throw versionConflict(expected, current.version);
  const at = deps.now().toISOString();
  const next: TaxRatesView = { rates: parsed.data.rates, version: expected + 1, updatedAt: at, updatedBy: who.actor };
  try {
    await transactWrite(deps, [
      {
        Put: {
          TableName: deps.tableName,
          Item: itemOf(next),
          ConditionExpression: expected === 0 ? 'attribute_not_exists(pk)' : '#version = :expected',
          ...(expected === 0 ? {} : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expected } }),
        },
      },
      {
        Put: {
          TableName: deps.tableName,
          Item: auditItem({
            ...attributedTo(who),
            entity: 'tax-rates',
            entityId: 'current',
            action: 'replaced',
            at,
            before: { version: current.version, rates: current.rates },
            after: { version: next.version, rates: next.rates },
          }),
        },
      },
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) {
      throw versionConflict(expected, (await readTaxRates(deps)).version);
    }
    throw error;
  }
  cache.set(deps.tableName, { rates: next.rates, readAt: deps.now().getTime() });
  return next;
}

function versionConflict(expected: number, current: number): ConflictError {
  return new ConflictError('version-mismatch', `The tax rate table is at version ${current}, not ${expected}; read it again and reapply the change.`, {
    extensions: { expectedVersion: expected, currentVersion: current },
  });
}

/**
 * Stores the default table as version 1 unless a table is already stored; idempotent.
 * @returns whether this call stored it
 */
export async function seedTaxRates(deps: TaxDeps = taxDeps()): Promise<boolean> {
  try {
    await replaceTaxRates({ rates: DEFAULT_TAX_RATES }, { ...systemActor('seed'), ifMatch: '"0"' }, deps);
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}
