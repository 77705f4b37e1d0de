import { useState } from 'preact/hooks';
import { api, ApiError, type Page } from '../api.js';
import { SelectField, TextField } from '../components/field.js';
import { formatTime } from '../components/format.js';
import { ErrorMessage, StatusMessage } from '../components/messages.js';
import { DataTable, PagedTable, usePaged, type Column } from '../components/table.js';
import { useAction, useLoad } from '../components/use-load.js';
import { hasScope } from '../session.js';
import type { PageProps } from '../router.js';

const REASONS = ['delivery', 'stock-take', 'damaged', 'expired', 'theft', 'return', 'correction'];
const SKU = /^[A-Z0-9][A-Z0-9_-]{1,63}$/;

interface StockCounts {
  available: number;
  reserved?: number;
  committed?: number;
}

interface StockAtStore extends StockCounts {
  storeId: string;
  storeName: string;
  leadTimeDays: number;
  updatedAt?: string | null;
}

/** `GET /inventory/{sku}`. */
interface SkuStock {
  sku: string;
  productId: string;
  stockUnit: 'item' | 'pack' | 'g' | 'ml';
  bundle: boolean;
  stores: StockAtStore[];
}

/** One stock adjustment, as `POST /inventory/adjustments` answers and the history lists it. */
interface Adjustment {
  id: string;
  sku: string;
  storeId: string;
  delta: number;
  reason: string;
  note?: string;
  actor: string;
  at: string;
  before: StockCounts | null;
  after: StockCounts;
}

/** One change in a SKU's history at a store (`GET /inventory/{sku}/adjustments?store=`), from the audit trail. */
interface HistoryEntry {
  id: string;
  /** `adjust`, or `write-off` for returned goods not put back. */
  action: string;
  delta: number;
  writtenOff?: number;
  reason: string | null;
  note?: string;
  actor: string;
  at: string;
  before: StockCounts | null;
  after: StockCounts | null;
}

/** A row of a store's stock list (`GET /stores/{id}/stock`). */
interface StoreStockRow extends StockCounts {
  sku: string;
  name: string | null;
  stockUnit: string | null;
  onHand: number;
  updatedAt: string;
}

/** True when the API has no such route yet: the listing is optional, and the page works by SKU without it. */
function missingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.type.endsWith('/no-such-route');
}

const STORE_COLUMNS: Column<StockAtStore>[] = [
  { header: 'Store', cell: (row) => row.storeName },
  { header: 'Available', cell: (row) => row.available, numeric: true },
  { header: 'Reserved', cell: (row) => row.reserved ?? '—', numeric: true },
  { header: 'Committed', cell: (row) => row.committed ?? '—', numeric: true },
  { header: 'Updated', cell: (row) => formatTime(row.updatedAt) },
];

const HISTORY_COLUMNS: Column<HistoryEntry>[] = [
  { header: 'When', cell: (row) => formatTime(row.at) },
  {
    header: 'Change',
    cell: (row) => (row.action === 'write-off' ? `written off ${row.writtenOff ?? ''}`.trim() : row.delta > 0 ? `+${row.delta}` : String(row.delta)),
    numeric: true,
  },
  { header: 'Available after', cell: (row) => row.after?.available ?? '—', numeric: true },
  { header: 'Reason', cell: (row) => row.reason ?? '—' },
  { header: 'Note', cell: (row) => row.note ?? '' },
  { header: 'By', cell: (row) => row.actor },
];

function AdjustForm({ sku, store, onDone }: { sku: string; store: string; onDone: (adjustment: Adjustment) => void }) {
  const [kind, setKind] = useState<'delta' | 'setTo'>('delta');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('delivery');
  const [note, setNote] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const body = { sku, storeId: store, reason, [kind]: Number(amount), ...(note.trim() ? { note: note.trim() } : {}) };
      const adjustment = await api.post<Adjustment>('/inventory/adjustments', { body });
      onDone(adjustment);
      setAmount('');
      setNote('');
      return `Stock of ${sku} at ${store} adjusted by ${adjustment.delta > 0 ? '+' : ''}${adjustment.delta}: ${adjustment.before?.available ?? 0} → ${adjustment.after.available} available.`;
    });
  };
  return (
    <form onSubmit={submit}>
      <SelectField
        label="Adjustment"
        value={kind}
        onChange={(value) => setKind(value as 'delta' | 'setTo')}
        options={[
          { value: 'delta', label: 'Add or remove (±)' },
          { value: 'setTo', label: 'Set to (counted)' },
        ]}
      />
      <TextField label={kind === 'delta' ? 'Quantity change' : 'Counted quantity'} type="number" value={amount} onInput={setAmount} required step={1} />
      <SelectField label="Reason" value={reason} onChange={setReason} options={REASONS.map((r) => ({ value: r, label: r }))} />
      <TextField label="Note" value={note} onInput={setNote} />
      <button type="submit" class="primary" disabled={action.busy}>
        Save adjustment
      </button>
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
    </form>
  );
}

function SkuView({ sku, store, canWrite }: { sku: string; store: string | undefined; canWrite: boolean }) {
  const [made, setMade] = useState<Adjustment[]>([]);
  const stock = useLoad(() => api.get<SkuStock>(`/inventory/${encodeURIComponent(sku)}`), [sku, made.length]);
  const history = usePaged<HistoryEntry>(
    (cursor) => (store ? api.get<Page<HistoryEntry>>(`/inventory/${encodeURIComponent(sku)}/adjustments`, { query: { store, cursor } }) : Promise.resolve({ items: [] })),
    [sku, store, made.length],
  );
  const here = stock.value?.stores.find((row) => row.storeId === store);
  return (
    <>
      <h2>
        {sku}
        {stock.value ? ` (${stock.value.stockUnit}${stock.value.bundle ? ', bundle' : ''})` : ''}
      </h2>
      <ErrorMessage error={stock.error} />
      {stock.value ? (
        <>
          {store && !here ? <p class="empty">{sku} has no stock record at {store} yet.</p> : null}
          <DataTable caption={store ? `Stock at ${here?.storeName ?? store}` : 'Stock by store'} columns={STORE_COLUMNS} rows={here ? [here] : store ? [] : stock.value.stores} rowKey={(row) => row.storeId} />
        </>
      ) : null}
      {canWrite && store && stock.value && !stock.value.bundle ? <AdjustForm sku={sku} store={store} onDone={(adjustment) => setMade([adjustment, ...made])} /> : null}
      {missingRoute(history.error) ? (
        made.length > 0 ? (
          <DataTable caption="Adjustments made here" columns={HISTORY_COLUMNS} rows={made.map((a) => ({ ...a, action: 'adjust' }))} rowKey={(row) => row.id} />
        ) : null
      ) : (
        <PagedTable caption="Adjustment history" columns={HISTORY_COLUMNS} paged={history} rowKey={(row) => row.id} empty="No adjustments yet." />
      )}
    </>
  );
}

function StoreStockList({ store, onPick }: { store: string; onPick: (sku: string) => void }) {
  const [prefix, setPrefix] = useState('');
  const skuPrefix = prefix.trim().toUpperCase();
  const list = usePaged<StoreStockRow>(
    (cursor) => api.get<Page<StoreStockRow>>(`/stores/${encodeURIComponent(store)}/stock`, { query: { cursor, skuPrefix } }),
    [store, skuPrefix],
  );
  if (missingRoute(list.error)) return null;
  const columns: Column<StoreStockRow>[] = [
    {
      header: 'SKU',
      cell: (row) => (
        <button type="button" class="link" onClick={() => onPick(row.sku)}>
          {row.sku}
        </button>
      ),
    },
    { header: 'Product', cell: (row) => row.name ?? '—' },
    { header: 'Unit', cell: (row) => row.stockUnit ?? '—' },
    { header: 'On hand', cell: (row) => row.onHand, numeric: true },
    { header: 'Available', cell: (row) => row.available, numeric: true },
    { header: 'Reserved', cell: (row) => row.reserved ?? '—', numeric: true },
    { header: 'Committed', cell: (row) => row.committed ?? '—', numeric: true },
  ];
  return (
    <>
      <h2>Everything at {store}</h2>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <TextField label="Starts with" value={prefix} onInput={setPrefix} hint="The first letters of the SKUs to list." />
      </form>
      <PagedTable caption={`Stock lines at ${store}`} columns={columns} paged={list} rowKey={(row) => row.sku} empty="No stock recorded at this store." />
    </>
  );
}

/** `#/stock`: a SKU's stock at the chosen store, its adjustments and an adjustment form; the store's list when the API has it. */
export default function StockPage({ session, store, params }: PageProps) {
  const [input, setInput] = useState(params[0] ?? '');
  const [sku, setSku] = useState(params[0] ?? '');
  const [invalid, setInvalid] = useState<string | undefined>();
  const look = (value: string) => {
    const wanted = value.trim().toUpperCase();
    if (!SKU.test(wanted)) return setInvalid('A SKU is 2 to 64 capital letters, digits, _ or -.');
    setInvalid(undefined);
    setInput(wanted);
    setSku(wanted);
  };
  return (
    <section class="page">
      <h1>Stock</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          look(input);
        }}
      >
        <TextField label="SKU" value={input} onInput={setInput} error={invalid} required />
        <button type="submit">Look up</button>
      </form>
      {!store ? <p class="empty">Pick a store to adjust its stock.</p> : null}
      {sku ? <SkuView key={sku} sku={sku} store={store} canWrite={hasScope(session, 'inventory:write')} /> : null}
      {store ? <StoreStockList store={store} onPick={look} /> : null}
    </section>
  );
}
