import { describe, expect, it } from 'vitest';
import { formatMoney, formatWeight } from '../../../console/src/components/format.js';
import { describeQuantity } from '../../../console/src/pages/order-types.js';
import { allowedPages, PAGES } from '../../../console/src/pages.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';

const titles = (role: Parameters<typeof scopesForRoles>[0][number]) => allowedPages(scopesForRoles([role])).map((page) => page.title);

describe('the console navigation', () => {
  it('has the design’s ten pages, each named by its h1', () => {
    expect(PAGES.map((page) => page.title)).toEqual(['Orders', 'Stock', 'Catalog', 'Promotions', 'Tax rates', 'Reports', 'Audit trail', 'Operations', 'Staff', 'API keys']);
  });

  it('shows each role the pages its scopes allow', () => {
    expect(titles('admin')).toEqual(PAGES.map((page) => page.title));
    expect(titles('picker')).toEqual(['Orders', 'Stock']);
    expect(titles('head-office')).toEqual(['Orders', 'Stock', 'Catalog', 'Promotions', 'Reports', 'Audit trail']);
    expect(titles('customer-service')).toEqual([]);
    expect(titles('store-manager')).toEqual(expect.arrayContaining(['Orders', 'Stock', 'Promotions']));
    expect(titles('store-manager')).not.toContain('Operations');
  });

  it('shows a page for its main scope or one of its other scopes, and for nothing else', () => {
    const showing = (scope: string) => PAGES.filter((page) => page.scope === scope || (page.alsoScopes ?? []).includes(scope));
    for (const page of PAGES) {
      for (const scope of [page.scope, ...(page.alsoScopes ?? [])]) {
        expect(allowedPages([scope])).toContain(page);
        expect(allowedPages([scope])).toEqual(showing(scope));
      }
    }
    expect(allowedPages(['admin']).map((page) => page.title)).toEqual(['Tax rates', 'Operations', 'Staff', 'API keys']);
    expect(allowedPages(['cart:write', 'account:read'])).toEqual([]);
  });
});

describe('the console’s formats', () => {
  it('formats minor units with the currency’s own decimals', () => {
    expect(formatMoney({ amount: 1234, currency: 'GBP' })).toBe('£12.34');
    expect(formatMoney({ amount: 5, currency: 'EUR' })).toBe('€0.05');
    expect(formatMoney({ amount: 1234, currency: 'JPY' })).toBe('JP¥1,234');
    expect(formatMoney(undefined)).toBe('—');
  });

  it('formats grams as g below a kilogram and kg from one', () => {
    expect(formatWeight(950)).toBe('950 g');
    expect(formatWeight(1250)).toBe('1.25 kg');
    expect(formatWeight(null)).toBe('—');
  });

  it('describes an order line’s quantity in its own units', () => {
    expect(describeQuantity({ count: 3 })).toBe('3');
    expect(describeQuantity({ count: 2, grams: 450 })).toBe('2 × 450 g');
    expect(describeQuantity({ grams: 1200 })).toBe('1.2 kg');
    expect(describeQuantity({ millilitres: 500 })).toBe('500 ml');
  });
});
