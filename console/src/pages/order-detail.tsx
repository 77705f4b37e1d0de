import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { CheckboxField, SelectField, TextField } from '../components/field.js';
import { formatMoney, formatTime } from '../components/format.js';
import { ErrorMessage, StatusMessage } from '../components/messages.js';
import { DataTable, type Column } from '../components/table.js';
import { useAction, useLoad } from '../components/use-load.js';
import { href, type PageProps } from '../router.js';
import { describeQuantity, type Order, type OrderLine, type Quantity, type Shipment } from './order-types.js';

const ZONES = ['ambient', 'chilled', 'frozen'] as const;
const ID_DOCUMENTS = ['passport', 'driving-licence', 'national-id-card', 'proof-of-age-card'];
/** Statuses the checkout saga moves on from by itself (capture after the pick, completion after the capture). */
const SETTLING = ['picked', 'captured'];
/** How often, and how many times, the page reads a settling order again. */
const SETTLE_POLL_MS = 3000;
const SETTLE_POLLS = 40;
/** Order statuses whose goods may be packed, sent or handed over (shared/orders/fulfilment.ts). */
const FULFILLABLE = ['completed', 'partially-refunded'];
/** Statuses staff may cancel an order in (POST /orders/{id}/cancel): any not yet completed; a capture is refunded. */
const CANCELLABLE = ['pending', 'reserved', 'payment-pending', 'authorized', 'confirmed', 'picking', 'picked', 'captured'];

type Act = (label: string, action: () => Promise<Order | { order: Order }>) => void;

/** One line of the pick form: what was handed over, or nothing, and any substitute. */
interface PickEntry {
  count: string;
  grams: string;
  millilitres: string;
  nothing: boolean;
  substitute: string;
}

function pickEntry(line: OrderLine): PickEntry {
  const q = line.quantity;
  return { count: q.count?.toString() ?? '', grams: q.grams?.toString() ?? '', millilitres: q.millilitres?.toString() ?? '', nothing: false, substitute: '' };
}

/** The quantity to report, in the ordered quantity's units; an error message when a figure is not a positive integer. */
function pickedQuantity(line: OrderLine, entry: PickEntry): Quantity | string {
  const quantity: Quantity = {};
  for (const unit of ['count', 'grams', 'millilitres'] as const) {
    if (line.quantity[unit] === undefined) continue;
    const value = Number(entry[unit]);
    if (!Number.isInteger(value) || value <= 0) return `${line.name}: ${unit} must be a whole number above 0.`;
    quantity[unit] = value;
  }
  return quantity;
}

function PickForm({ order, act }: { order: Order; act: Act }) {
  const [entries, setEntries] = useState<Record<string, PickEntry>>(() => Object.fromEntries(order.lines.map((line) => [line.lineId, pickEntry(line)])));
  const [invalid, setInvalid] = useState<string | undefined>();
  const update = (lineId: string, change: Partial<PickEntry>) => setEntries({ ...entries, [lineId]: { ...entries[lineId]!, ...change } });

  const submit = (event: Event) => {
    event.preventDefault();
    const lines: { lineId: string; quantity?: Quantity; substitute?: { sku: string } }[] = [];
    for (const line of order.lines) {
      const entry = entries[line.lineId]!;
      if (entry.nothing) {
        lines.push({ lineId: line.lineId });
        continue;
      }
      const quantity = pickedQuantity(line, entry);
      if (typeof quantity === 'string') return setInvalid(quantity);
      lines.push({ lineId: line.lineId, quantity, ...(entry.substitute.trim() ? { substitute: { sku: entry.substitute.trim() } } : {}) });
    }
    setInvalid(undefined);
    act('Pick recorded.', () => api.post<Order>(`/orders/${order.id}/pick`, { body: { lines } }));
  };

  return (
    <form class="stacked" onSubmit={submit}>
      <h2>Pick</h2>
      {order.lines.map((line) => {
        const entry = entries[line.lineId]!;
        return (
          <fieldset key={line.lineId}>
            <legend>
              {line.name} ({line.sku}), ordered {describeQuantity(line.quantity)}
            </legend>
            <CheckboxField label={`Nothing picked for ${line.name}`} checked={entry.nothing} onChange={(nothing) => update(line.lineId, { nothing })} />
            {!entry.nothing && line.quantity.count !== undefined ? (
              <TextField label={`Picked count of ${line.name}`} type="number" min={1} value={entry.count} onInput={(count) => update(line.lineId, { count })} />
            ) : null}
            {!entry.nothing && line.quantity.grams !== undefined ? (
              <TextField label={`Picked grams of ${line.name}`} type="number" min={1} value={entry.grams} onInput={(grams) => update(line.lineId, { grams })} />
            ) : null}
            {!entry.nothing && line.quantity.millilitres !== undefined ? (
              <TextField label={`Picked millilitres of ${line.name}`} type="number" min={1} value={entry.millilitres} onInput={(millilitres) => update(line.lineId, { millilitres })} />
            ) : null}
            {!entry.nothing && line.substitution !== 'none' ? (
              <TextField label={`Substitute SKU for ${line.name}`} value={entry.substitute} onInput={(substitute) => update(line.lineId, { substitute })} hint="Only if another product was handed over." />
            ) : null}
          </fieldset>
        );
      })}
      {invalid ? (
        <div role="alert" class="message error">
          {invalid}
        </div>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary">
          Record pick
        </button>
      </div>
    </form>
  );
}

function PackForm({ order, act }: { order: Order; act: Act }) {
  // Every line of which something was handed over goes in exactly one zone: the picked quantity, or the ordered one
  // when the order was never weighed or substituted (shared/orders/fulfilment.ts handedOver).
  const packable = order.lines.filter((line) => line.picked === undefined || line.picked.quantity !== undefined);
  const [zoneOf, setZoneOf] = useState<Record<string, string>>(() => Object.fromEntries(packable.map((line) => [line.lineId, 'ambient'])));
  const [bags, setBags] = useState<Record<string, string>>({ ambient: '1', chilled: '1', frozen: '1' });
  const used = ZONES.filter((zone) => packable.some((line) => zoneOf[line.lineId] === zone));
  const pack = () =>
    act('Order packed.', () =>
      api.post<Order>(`/orders/${order.id}/pack`, {
        body: { zones: used.map((zone) => ({ zone, bags: Number(bags[zone]), lineIds: packable.filter((line) => zoneOf[line.lineId] === zone).map((line) => line.lineId) })) },
      }),
    );
  return (
    <form class="stacked" onSubmit={(event) => event.preventDefault()}>
      <h2>Pack</h2>
      {packable.map((line) => (
        <SelectField
          key={line.lineId}
          label={`Zone of ${line.name}`}
          value={zoneOf[line.lineId] ?? 'ambient'}
          onChange={(zone) => setZoneOf({ ...zoneOf, [line.lineId]: zone })}
          options={ZONES.map((zone) => ({ value: zone, label: zone }))}
        />
      ))}
      {used.map((zone) => (
        <TextField key={zone} label={`Bags (${zone})`} type="number" min={1} max={40} value={bags[zone] ?? '1'} onInput={(value) => setBags({ ...bags, [zone]: value })} />
      ))}
      <div class="actions">
        <ConfirmButton label="Pack" question="Pack this order?" onConfirm={pack} />
      </div>
    </form>
  );
}

function HandoverForm({ order, act }: { order: Order; act: Act }) {
  const [code, setCode] = useState('');
  const [document, setDocument] = useState('');
  const handOver = (event: Event) => {
    event.preventDefault();
    act('Order handed over.', () =>
      api.post<Order>(`/orders/${order.id}/collection/handover`, { body: { code: code.trim(), ...(document ? { idCheck: { document } } : {}) }, idempotent: false }),
    );
  };
  return (
    <form onSubmit={handOver}>
      <TextField label="Handover code" value={code} onInput={setCode} required />
      {order.idCheckRequired ? (
        <SelectField label="ID document checked" value={document} onChange={setDocument} options={[{ value: '', label: 'Not checked' }, ...ID_DOCUMENTS.map((d) => ({ value: d, label: d }))]} />
      ) : null}
      <button type="submit" class="primary">
        Hand over
      </button>
    </form>
  );
}

function CancelForm({ order, act }: { order: Order; act: Act }) {
  const [reason, setReason] = useState('');
  return (
    <form onSubmit={(event) => event.preventDefault()}>
      <TextField label="Reason for cancelling" value={reason} onInput={setReason} />
      <ConfirmButton
        label="Cancel order"
        question="Cancel this order? The shopper's payment hold is released."
        danger
        onConfirm={() => act('Order cancelled.', () => api.post<Order>(`/orders/${order.id}/cancel`, { body: { reason: reason.trim() }, idempotent: false }))}
      />
    </form>
  );
}

const LINE_COLUMNS: Column<OrderLine>[] = [
  { header: 'Product', cell: (line) => `${line.name} (${line.sku})` },
  { header: 'Ordered', cell: (line) => describeQuantity(line.quantity) },
  { header: 'Picked', cell: (line) => (line.picked ? describeQuantity(line.picked.quantity) || 'nothing' : '—') },
  {
    header: 'Substitution',
    cell: (line) => {
      const proposal = line.picked?.proposal;
      if (proposal) return `${proposal.substitute.name} (${proposal.substitute.sku}): ${proposal.status}${proposal.decidedBy ? ` by ${proposal.decidedBy}` : ''}`;
      if (line.picked?.substitute) return `${line.picked.substitute.name} (${line.picked.substitute.sku})`;
      return line.substitution ?? '—';
    },
  },
];

const SHIPMENT_COLUMNS: Column<Shipment>[] = [
  { header: 'Shipment', cell: (shipment) => shipment.id },
  { header: 'Carrier', cell: (shipment) => shipment.carrier },
  { header: 'Status', cell: (shipment) => shipment.status },
  { header: 'Lines', cell: (shipment) => shipment.lines?.length ?? '—', numeric: true },
];

/** `#/orders/<id>`: one order, its lines and shipments, and the steps its state allows. */
export default function OrderDetailPage({ session, params }: PageProps) {
  const id = params[0] ?? '';
  const loaded = useLoad(() => api.get<Order>(`/orders/${encodeURIComponent(id)}`), [id]);
  const [order, setOrder] = useState<Order | undefined>();
  const action = useAction();
  useEffect(() => setOrder(loaded.value), [loaded.value]);

  const act: Act = (label, call) =>
    void action.run(async () => {
      const answer = await call();
      setOrder('order' in answer ? answer.order : answer);
      // The answer may be partial for some steps: the order as stored is what the page shows next.
      loaded.reload();
      return label;
    });

  const shown = order ?? loaded.value;
  // After a pick the saga captures and completes the order within seconds (or once the shopper answers a substitute):
  // the page follows, so the picker can pack without reloading.
  const [polls, setPolls] = useState(0);
  const settling = !!shown && SETTLING.includes(shown.status) && polls < SETTLE_POLLS;
  useEffect(() => {
    if (!settling) return;
    const timer = setTimeout(() => {
      setPolls((count) => count + 1);
      loaded.reload();
    }, SETTLE_POLL_MS);
    return () => clearTimeout(timer);
  }, [settling, polls]);
  return (
    <section class="page">
      <p>
        <a href={href('orders')}>← Orders</a>
      </p>
      <h1>Order {id}</h1>
      <ErrorMessage error={loaded.error} />
      {!shown && loaded.loading ? <p class="loading">Loading…</p> : null}
      {shown ? <OrderView order={shown} act={act} busy={action.busy} scopes={session.scopes} /> : null}
      {settling ? <p class="loading">The order is {shown.status}: waiting for the payment to settle…</p> : null}
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
    </section>
  );
}

function OrderView({ order, act, busy, scopes }: { order: Order; act: Act; busy: boolean; scopes: string[] }) {
  const mode = order.fulfillment.mode;
  const fulfilment = order.fulfillmentStatus ?? 'unfulfilled';
  // Fulfilment steps need orders:pick (pickers, store managers), a staff cancel orders:write (not pickers).
  const picks = scopes.includes('orders:pick');
  const fulfillable = picks && FULFILLABLE.includes(order.status);
  const canPack = fulfillable && fulfilment === 'unfulfilled' && mode !== 'in-store';
  const canDispatch = fulfillable && mode === 'delivery' && ['packed', 'partially-dispatched'].includes(fulfilment);
  const canMakeReady = fulfillable && mode === 'pickup' && (fulfilment === 'packed' || (fulfilment === 'ready-for-collection' && !!order.collection?.lockedAt));
  const canHandOver = fulfillable && mode === 'pickup' && fulfilment === 'ready-for-collection';
  const canPick = picks && order.status === 'picking';
  const canCancel = scopes.includes('orders:write') && CANCELLABLE.includes(order.status);
  const anything = canPick || canPack || canDispatch || canMakeReady || canHandOver || canCancel;
  return (
    <>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <span class="badge">{order.status}</span>
        </dd>
        <dt>Fulfilment</dt>
        <dd>{fulfilment}</dd>
        <dt>Mode</dt>
        <dd>
          {mode}
          {order.fulfillment.slotId ? ` (slot ${order.fulfillment.slotId})` : ''}
        </dd>
        <dt>Store</dt>
        <dd>{order.storeId}</dd>
        <dt>Total</dt>
        <dd>{formatMoney({ amount: order.totals.total, currency: order.totals.currency })}</dd>
        <dt>Placed</dt>
        <dd>{formatTime(order.createdAt)}</dd>
        {order.collection ? (
          <>
            <dt>Collection</dt>
            <dd>
              {order.collection.status}
              {order.collection.lockedAt ? ' (locked: issue a new code)' : ''}
            </dd>
          </>
        ) : null}
      </dl>
      <DataTable caption="Lines" columns={LINE_COLUMNS} rows={order.lines} rowKey={(line) => line.lineId} />
      {order.shipments?.length ? <DataTable caption="Shipments" columns={SHIPMENT_COLUMNS} rows={order.shipments} rowKey={(s) => s.id} /> : null}
      <fieldset disabled={busy} class="order-actions">
        <legend>Actions</legend>
        {anything ? null : <p class="empty">No steps are open for this order now.</p>}
        {canPick ? <PickForm key={order.id} order={order} act={act} /> : null}
        {canPack ? <PackForm order={order} act={act} /> : null}
        {canDispatch ? (
          <div class="actions">
            <ConfirmButton
              label="Dispatch"
              question="Dispatch everything not sent yet in our own van?"
              onConfirm={() => act('Shipment dispatched.', () => api.post<{ order: Order }>(`/orders/${order.id}/shipments`, { body: { carrier: 'own-van' } }))}
            />
          </div>
        ) : null}
        {canMakeReady ? (
          <div class="actions">
            <ConfirmButton
              label="Ready for collection"
              question="Put this order at the collection desk with a new handover code?"
              onConfirm={() => act('Ready for collection.', () => api.post<Order>(`/orders/${order.id}/collection`, { body: {}, idempotent: false }))}
            />
          </div>
        ) : null}
        {canHandOver ? <HandoverForm order={order} act={act} /> : null}
        {canCancel ? <CancelForm order={order} act={act} /> : null}
      </fieldset>
    </>
  );
}
