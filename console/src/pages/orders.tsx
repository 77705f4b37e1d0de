import { useState } from 'preact/hooks';
import { api, type Page } from '../api.js';
import { SelectField, TextField } from '../components/field.js';
import { formatMoney, formatTime, todayUtc } from '../components/format.js';
import { ErrorMessage } from '../components/messages.js';
import { DataTable, usePaged, type Column } from '../components/table.js';
import { useLoad } from '../components/use-load.js';
import { href, type PageProps } from '../router.js';
import type { Order } from './order-types.js';

interface Slot {
  id: string;
  mode: string;
  startsAtLocal: string;
  endsAtLocal: string;
}

const STATUSES = ['', 'confirmed', 'picking', 'picked', 'captured', 'completed', 'cancelled', 'failed', 'refunded', 'partially-refunded'];

const COLUMNS: Column<Order>[] = [
  { header: 'Order', cell: (order) => <a href={href('orders', order.id)}>{order.id}</a> },
  { header: 'Status', cell: (order) => <span class="badge">{order.status}</span> },
  { header: 'Fulfilment', cell: (order) => order.fulfillmentStatus ?? '—' },
  { header: 'Lines', cell: (order) => order.lines.length, numeric: true },
  { header: 'Total', cell: (order) => formatMoney({ amount: order.totals.total, currency: order.totals.currency }), numeric: true },
  { header: 'Placed', cell: (order) => formatTime(order.createdAt) },
];

/** The group an order is worked in: its delivery or collection slot (its store-local day and window), or the till. */
function groupOf(order: Order, slots: Map<string, Slot>): string {
  const mode = order.fulfillment.mode;
  if (mode === 'in-store') return 'In store';
  const slot = order.fulfillment.slotId ? slots.get(order.fulfillment.slotId) : undefined;
  const label = mode === 'delivery' ? 'Delivery' : 'Collection';
  if (!slot) return `${label}${order.fulfillment.slotId ? ` (slot ${order.fulfillment.slotId})` : ''}`;
  return `${label} ${slot.startsAtLocal.slice(0, 10)} ${slot.startsAtLocal.slice(11, 16)}–${slot.endsAtLocal.slice(11, 16)}`;
}

/** The days the orders' slots fall on: a slot id starts with its start (`2026-12-08T08:00Z~delivery`). */
function slotDays(orders: Order[]): string[] {
  const days = orders.map((order) => order.fulfillment.slotId?.slice(0, 10) ?? '').filter((day) => /^\d{4}-\d{2}-\d{2}$/.test(day));
  return [...new Set(days)].sort();
}

/** `#/orders`: a store's orders of a day, grouped by slot, each linking to its page. */
export default function OrdersPage({ store }: PageProps) {
  const [date, setDate] = useState(todayUtc());
  const [status, setStatus] = useState('');
  const validDate = /^\d{4}-\d{2}-\d{2}$/.test(date);
  const orders = usePaged<Order>(
    (cursor) => (store && validDate ? api.get<Page<Order>>('/orders', { query: { store, date, status, cursor, limit: 100 } }) : Promise.resolve({ items: [] })),
    [store, date, status],
  );
  // Orders are listed by the day they were placed; their slots are often on a later day, so each slot day is read.
  const days = slotDays(orders.rows);
  const slots = useLoad(async () => {
    if (!store) return [];
    const lists = await Promise.all(days.map((day) => api.get<{ items: Slot[] }>(`/stores/${encodeURIComponent(store)}/slots`, { query: { date: day } })));
    return lists.flatMap((list) => list.items);
  }, [store, days.join(',')]);
  const bySlot = new Map((slots.value ?? []).map((slot) => [slot.id, slot]));
  const groups = new Map<string, Order[]>();
  for (const order of orders.rows) {
    const group = groupOf(order, bySlot);
    groups.set(group, [...(groups.get(group) ?? []), order]);
  }

  return (
    <section class="page">
      <h1>Orders</h1>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <TextField label="Day" type="date" value={date} onInput={setDate} />
        <SelectField label="Status" value={status} onChange={setStatus} options={STATUSES.map((s) => ({ value: s, label: s || 'Any status' }))} />
        <button type="button" onClick={orders.reload}>
          Refresh
        </button>
      </form>
      {!store ? <p class="empty">Pick a store to see its orders.</p> : null}
      <ErrorMessage error={orders.error} />
      {orders.loading && orders.rows.length === 0 ? <p class="loading">Loading…</p> : null}
      {store && !orders.loading && !orders.error && orders.rows.length === 0 ? <p class="empty">No orders at {store} on {date}.</p> : null}
      {[...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([group, rows]) => (
          <DataTable key={group} caption={`${group} (${rows.length})`} columns={COLUMNS} rows={rows} rowKey={(order) => order.id} />
        ))}
      {orders.hasMore ? (
        <button type="button" onClick={orders.loadMore} disabled={orders.loading}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
