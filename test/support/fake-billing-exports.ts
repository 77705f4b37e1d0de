import type { BillingClient, ExportKind } from '../../shared/billing/client.js';

/** Rows of one day's exports, as billing would list them. */
export type FakeExportDay = Partial<Record<ExportKind, unknown[]>>;

/**
 * An in-memory billing system that only serves exports: `days[date][kind]` paged `pageSize` at a time with opaque
 * cursors, every page request recorded. Creating anything is refused, since reconciliation must never do it.
 */
export function fakeBillingExports(days: Record<string, FakeExportDay>, options: { pageSize?: number } = {}) {
  const pageSize = options.pageSize ?? 2;
  const requests: { kind: ExportKind; date: string; cursor?: string }[] = [];
  const refuse = () => Promise.reject(new Error('the fake billing system serves exports only'));
  const client: BillingClient = {
    createCustomer: refuse,
    anonymiseCustomer: refuse,
    createSubscription: refuse,
    cancelSubscription: refuse,
    createInvoice: refuse,
    createCreditNote: refuse,
    exportPage: (kind, date, cursor) => {
      requests.push({ kind, date, ...(cursor === undefined ? {} : { cursor }) });
      const rows = days[date]?.[kind] ?? [];
      const start = cursor === undefined ? 0 : Number(cursor.replace(/^after-/, ''));
      const items = structuredClone(rows.slice(start, start + pageSize));
      const next = start + pageSize;
      return Promise.resolve(next < rows.length ? { items, nextCursor: `after-${next}` } : { items });
    },
  };
  return { client, requests };
}
