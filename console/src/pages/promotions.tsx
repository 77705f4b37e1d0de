import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Page } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { CheckboxField, fieldError, SelectField, TextArea, TextField } from '../components/field.js';
import { formatMoney, formatTime } from '../components/format.js';
import { ErrorMessage, ProblemList, StatusMessage } from '../components/messages.js';
import { PagedTable, usePaged, type Column } from '../components/table.js';
import { useAction, useLoad } from '../components/use-load.js';
import type { PageProps } from '../router.js';
import { formatRate, parseMoney, parseRate } from './figures.js';
import { muted, narrow } from './page-styles.js';

/**
 * `#/promotions`: the promotions (`GET /promotions`, newest start first, paged; "running now" filter), a form that
 * creates one (`POST /promotions`), and on each the changes the API allows once shoppers may have used it
 * (`PATCH /promotions/{id}` under its version): end it sooner, disable it, enable it again.
 */

interface Money {
  amount: number;
  currency: string;
}
type Rule =
  | { kind: 'percent-off'; basisPoints: number }
  | { kind: 'fixed-off'; amount: Money; per?: 'order' | 'item' }
  | { kind: 'bogo' }
  | { kind: 'buy-x-get-y'; buy: number; get: number; discountBasisPoints?: number }
  | { kind: 'multi-buy'; quantity: number; price: Money }
  | { kind: 'bundle'; price: Money }
  | { kind: 'spend-threshold'; minimumSpend: Money; reward: { kind: 'percent-off'; basisPoints: number } | { kind: 'fixed-off'; amount: Money } }
  | { kind: 'free-delivery'; minimumSpend?: Money };
type Target = { kind: 'sku'; skus: string[] } | { kind: 'category'; categoryIds: string[] } | { kind: 'cart' };

interface Promotion {
  id: string;
  name: string;
  description?: string;
  rule: Rule;
  target: Target;
  stacking: { priority: number; exclusive: boolean; group?: string };
  schedule: { startsAt: string; endsAt?: string };
  limits: { total?: number; perShopper?: number };
  couponCode?: string;
  stores?: string[];
  status: 'enabled' | 'disabled';
  redemptions: number;
  version: number;
}

/** What a rule does, in words: `20% off`, `3 for £5.00`. */
function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case 'percent-off':
      return `${formatRate(rule.basisPoints)} off`;
    case 'fixed-off':
      return `${formatMoney(rule.amount)} off ${rule.per === 'item' ? 'each item' : 'the order'}`;
    case 'bogo':
      return 'buy one, get one free';
    case 'buy-x-get-y':
      return `buy ${rule.buy}, get ${rule.get} ${rule.discountBasisPoints === undefined || rule.discountBasisPoints === 10_000 ? 'free' : `at ${formatRate(rule.discountBasisPoints)} off`}`;
    case 'multi-buy':
      return `${rule.quantity} for ${formatMoney(rule.price)}`;
    case 'bundle':
      return `bundle for ${formatMoney(rule.price)}`;
    case 'spend-threshold':
      return `spend ${formatMoney(rule.minimumSpend)}, get ${rule.reward.kind === 'percent-off' ? formatRate(rule.reward.basisPoints) : formatMoney(rule.reward.amount)} off`;
    case 'free-delivery':
      return rule.minimumSpend ? `free delivery over ${formatMoney(rule.minimumSpend)}` : 'free delivery';
  }
}

/** Roles that act at every store (shared/auth/roles.ts): their promotions may apply everywhere. */
const CHAIN_WIDE = ['head-office', 'admin'];

function describeTarget(target: Target): string {
  if (target.kind === 'cart') return 'the whole cart';
  if (target.kind === 'sku') return `SKUs ${target.skus.join(', ')}`;
  return `${target.categoryIds.length} ${target.categoryIds.length === 1 ? 'category' : 'categories'}`;
}

/** The Promotions page. */
export default function PromotionsPage({ session, store }: PageProps) {
  const [active, setActive] = useState(false);
  const [editing, setEditing] = useState<Promotion | undefined>();
  const paged = usePaged((cursor) => api.get<Page<Promotion>>('/promotions', { query: { active: active ? 'true' : undefined, limit: 50, cursor } }), [active]);
  const columns: Column<Promotion>[] = [
    {
      header: 'Promotion',
      cell: (p) => (
        <>
          <strong>{p.name}</strong>
          {p.couponCode ? (
            <>
              {' '}
              <span style={muted}>coupon</span> <code>{p.couponCode}</code>
            </>
          ) : null}
        </>
      ),
    },
    { header: 'Rule', cell: (p) => describeRule(p.rule) },
    { header: 'Applies to', cell: (p) => describeTarget(p.target) },
    { header: 'Stores', cell: (p) => (p.stores?.length ? p.stores.join(', ') : 'every store') },
    { header: 'From', cell: (p) => formatTime(p.schedule.startsAt) },
    { header: 'Until', cell: (p) => (p.schedule.endsAt ? formatTime(p.schedule.endsAt) : 'no end') },
    { header: 'Status', cell: (p) => p.status },
    { header: 'Redemptions', cell: (p) => `${p.redemptions}${p.limits.total ? ` of ${p.limits.total}` : ''}`, numeric: true },
    {
      header: 'Change',
      cell: (p) => (
        <button type="button" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
          Edit
        </button>
      ),
    },
  ];
  return (
    <section class="page promotions">
      <h1>Promotions</h1>
      <CheckboxField label="Only promotions running now" checked={active} onChange={setActive} />
      <PagedTable caption="Promotions, newest start first" columns={columns} paged={paged} rowKey={(p) => p.id} empty="No promotions." />
      {editing ? (
        <EditPromotion
          key={editing.id}
          promotion={editing}
          onChanged={(changed) => {
            setEditing(changed);
            paged.reload();
          }}
          onClose={() => setEditing(undefined)}
        />
      ) : null}
      <CreatePromotion storeBound={!session.roles.some((role) => CHAIN_WIDE.includes(role)) && session.stores.length > 0} store={store} onCreated={paged.reload} />
    </section>
  );
}

/** A `datetime-local` value (the viewer's time) for an ISO instant. */
function localInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function EditPromotion({ promotion, onChanged, onClose }: { promotion: Promotion; onChanged: (p: Promotion) => void; onClose: () => void }) {
  const [endsAt, setEndsAt] = useState(localInput(promotion.schedule.endsAt));
  const action = useAction();
  useEffect(() => setEndsAt(localInput(promotion.schedule.endsAt)), [promotion.version]);
  const change = (body: Record<string, unknown>, done: string) =>
    action.run(async () => {
      const changed = await api.patch<Promotion>(`/promotions/${encodeURIComponent(promotion.id)}`, { body: { version: promotion.version, ...body } });
      onChanged(changed);
      return done;
    });
  return (
    <form
      class="stacked" style={narrow}
      aria-label={`Change ${promotion.name}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (!endsAt) return;
        void change({ endsAt: new Date(endsAt).toISOString() }, `${promotion.name} now ends ${formatTime(new Date(endsAt).toISOString())}.`);
      }}
    >
      <h2>Change {promotion.name}</h2>
      <p style={muted}>
        {describeRule(promotion.rule)} on {describeTarget(promotion.target)}. Its rule, target, limits and stores never change once shoppers may have
        used it: end it sooner, or disable it.
      </p>
      <TextField label="Ends at" type="datetime-local" value={endsAt} onInput={setEndsAt} hint="Only earlier than it ends now, and after it starts." />
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy || !endsAt}>
          Save
        </button>
        {promotion.status === 'enabled' ? (
          <ConfirmButton label="Disable" question={`Disable ${promotion.name}?`} danger disabled={action.busy} onConfirm={() => change({ status: 'disabled' }, `${promotion.name} is disabled.`)} />
        ) : (
          <button type="button" disabled={action.busy} onClick={() => void change({ status: 'enabled' }, `${promotion.name} is enabled.`)}>
            Enable
          </button>
        )}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
    </form>
  );
}

interface Draft {
  name: string;
  description: string;
  kind: Rule['kind'];
  percent: string;
  amount: string;
  per: 'order' | 'item';
  buy: string;
  get: string;
  quantity: string;
  minimumSpend: string;
  currency: string;
  targetKind: Target['kind'];
  skus: string;
  categoryIds: string[];
  priority: string;
  exclusive: boolean;
  startsAt: string;
  endsAt: string;
  couponCode: string;
  limitTotal: string;
  limitPerShopper: string;
  onlyThisStore: boolean;
}

const RULE_KINDS: { value: Rule['kind']; label: string }[] = [
  { value: 'percent-off', label: 'Percent off' },
  { value: 'fixed-off', label: 'Amount off' },
  { value: 'bogo', label: 'Buy one, get one free' },
  { value: 'buy-x-get-y', label: 'Buy X, get Y free' },
  { value: 'multi-buy', label: 'Multi-buy (N for a price)' },
  { value: 'spend-threshold', label: 'Spend threshold (percent off)' },
  { value: 'free-delivery', label: 'Free delivery' },
];

const whole = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined);

/** The request body from the form, or the problems that stop it. */
function bodyOf(draft: Draft, store: string | undefined): { body: Record<string, unknown> } | { problems: string[] } {
  const problems: string[] = [];
  const money = (text: string, label: string): Money => {
    const amount = parseMoney(text, draft.currency);
    if (amount === undefined) problems.push(`${label} must be an amount in ${draft.currency}, such as 2.50.`);
    return { amount: amount ?? 0, currency: draft.currency };
  };
  const count = (text: string, label: string): number => {
    const value = whole(text);
    if (value === undefined) problems.push(`${label} must be a whole number.`);
    return value ?? 0;
  };
  const percent = (): number => {
    const value = parseRate(draft.percent);
    if (value === undefined || value === 0) problems.push('Percent off must be a percentage above 0 and at most 100.');
    return value ?? 0;
  };
  if (!/^[A-Z]{3}$/.test(draft.currency)) problems.push('Currency must be a three-letter code such as GBP.');
  let rule: Rule;
  switch (draft.kind) {
    case 'percent-off':
      rule = { kind: 'percent-off', basisPoints: percent() };
      break;
    case 'fixed-off':
      rule = { kind: 'fixed-off', amount: money(draft.amount, 'Amount off'), per: draft.per };
      break;
    case 'buy-x-get-y':
      rule = { kind: 'buy-x-get-y', buy: count(draft.buy, 'Buy'), get: count(draft.get, 'Get') };
      break;
    case 'multi-buy':
      rule = { kind: 'multi-buy', quantity: count(draft.quantity, 'Quantity'), price: money(draft.amount, 'Price') };
      break;
    case 'spend-threshold':
      rule = { kind: 'spend-threshold', minimumSpend: money(draft.minimumSpend, 'Minimum spend'), reward: { kind: 'percent-off', basisPoints: percent() } };
      break;
    case 'free-delivery':
      rule = draft.minimumSpend.trim() ? { kind: 'free-delivery', minimumSpend: money(draft.minimumSpend, 'Minimum spend') } : { kind: 'free-delivery' };
      break;
    default:
      rule = { kind: 'bogo' };
  }
  let target: Target;
  if (draft.targetKind === 'sku') {
    const skus = draft.skus.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
    if (skus.length === 0) problems.push('Name at least one SKU.');
    target = { kind: 'sku', skus };
  } else if (draft.targetKind === 'category') {
    if (draft.categoryIds.length === 0) problems.push('Choose at least one category.');
    target = { kind: 'category', categoryIds: draft.categoryIds };
  } else target = { kind: 'cart' };
  const priority = whole(draft.priority);
  if (priority === undefined || priority > 1000) problems.push('Priority must be a whole number from 0 to 1000.');
  if (!draft.startsAt) problems.push('Starts at is required.');
  if (draft.onlyThisStore && !store) problems.push('Choose a store in the header, or let the promotion apply at every store.');
  const limits: Record<string, number> = {};
  if (draft.limitTotal.trim()) limits.total = count(draft.limitTotal, 'Uses in all');
  if (draft.limitPerShopper.trim()) limits.perShopper = count(draft.limitPerShopper, 'Uses per shopper');
  if (problems.length > 0) return { problems };
  return {
    body: {
      name: draft.name.trim(),
      ...(draft.description.trim() ? { description: draft.description.trim() } : {}),
      rule,
      target,
      stacking: { priority, exclusive: draft.exclusive },
      schedule: { startsAt: new Date(draft.startsAt).toISOString(), ...(draft.endsAt ? { endsAt: new Date(draft.endsAt).toISOString() } : {}) },
      limits,
      ...(draft.couponCode.trim() ? { couponCode: draft.couponCode.trim() } : {}),
      ...(draft.onlyThisStore && store ? { stores: [store] } : {}),
    },
  };
}

function CreatePromotion({ storeBound, store, onCreated }: { storeBound: boolean; store: string | undefined; onCreated: () => void }) {
  const initial: Draft = {
    name: '',
    description: '',
    kind: 'percent-off',
    percent: '10',
    amount: '',
    per: 'order',
    buy: '2',
    get: '1',
    quantity: '3',
    minimumSpend: '',
    currency: 'GBP',
    targetKind: 'cart',
    skus: '',
    categoryIds: [],
    priority: '100',
    exclusive: false,
    startsAt: localInput(new Date().toISOString()),
    endsAt: '',
    couponCode: '',
    limitTotal: '',
    limitPerShopper: '',
    // A store manager may only create promotions for their own stores.
    onlyThisStore: storeBound,
  };
  const [draft, setDraft] = useState(initial);
  const [problems, setProblems] = useState<string[]>([]);
  const categories = useLoad(() => api.get<{ items: { id: string; name: string; depth: number }[] }>('/categories').then((page) => page.items), []);
  const action = useAction();
  const errors = action.error instanceof ApiError ? action.error.errors : undefined;
  const set = <K extends keyof Draft>(field: K) => (value: Draft[K]) => setDraft({ ...draft, [field]: value });

  return (
    <form
      class="stacked" style={narrow}
      aria-label="Create a promotion"
      onSubmit={(event) => {
        event.preventDefault();
        const result = bodyOf(draft, store);
        if ('problems' in result) return setProblems(result.problems);
        setProblems([]);
        void action.run(async () => {
          const created = await api.post<Promotion>('/promotions', { body: result.body });
          setDraft(initial);
          onCreated();
          return `Promotion ${created.name} created.`;
        });
      }}
    >
      <h2>New promotion</h2>
      <TextField label="Name" value={draft.name} onInput={set('name')} required error={fieldError(errors, 'body.name')} />
      <TextArea label="Description" value={draft.description} onInput={set('description')} rows={2} />
      <SelectField label="Rule" value={draft.kind} onChange={(value) => set('kind')(value as Rule['kind'])} options={RULE_KINDS} />
      {draft.kind === 'percent-off' || draft.kind === 'spend-threshold' ? <TextField label="Percent off" value={draft.percent} onInput={set('percent')} /> : null}
      {draft.kind === 'fixed-off' ? (
        <>
          <TextField label="Amount off" value={draft.amount} onInput={set('amount')} placeholder="1.00" />
          <SelectField
            label="Taken off"
            value={draft.per}
            onChange={(value) => set('per')(value as Draft['per'])}
            options={[
              { value: 'order', label: 'once per order' },
              { value: 'item', label: 'on each item' },
            ]}
          />
        </>
      ) : null}
      {draft.kind === 'buy-x-get-y' ? (
        <>
          <TextField label="Buy" value={draft.buy} onInput={set('buy')} type="number" min={1} max={100} />
          <TextField label="Get free" value={draft.get} onInput={set('get')} type="number" min={1} max={100} />
        </>
      ) : null}
      {draft.kind === 'multi-buy' ? (
        <>
          <TextField label="Quantity" value={draft.quantity} onInput={set('quantity')} type="number" min={2} max={100} />
          <TextField label="Price" value={draft.amount} onInput={set('amount')} placeholder="5.00" />
        </>
      ) : null}
      {draft.kind === 'spend-threshold' || draft.kind === 'free-delivery' ? (
        <TextField label="Minimum spend" value={draft.minimumSpend} onInput={set('minimumSpend')} placeholder="40.00" />
      ) : null}
      <TextField label="Currency" value={draft.currency} onInput={(value) => set('currency')(value.toUpperCase())} />
      <SelectField
        label="Applies to"
        value={draft.targetKind}
        onChange={(value) => set('targetKind')(value as Target['kind'])}
        options={[
          { value: 'cart', label: 'The whole cart' },
          { value: 'sku', label: 'Some SKUs' },
          { value: 'category', label: 'Some categories (with their subcategories)' },
        ]}
      />
      {draft.targetKind === 'sku' ? <TextField label="SKUs" value={draft.skus} onInput={set('skus')} hint="Comma-separated." error={fieldError(errors, 'skus')} /> : null}
      {draft.targetKind === 'category' ? (
        <div class="field">
          <label for="promotion-categories">Categories</label>
          <select
            id="promotion-categories"
            multiple
            size={8}
            onChange={(event) => set('categoryIds')([...(event.target as HTMLSelectElement).selectedOptions].map((option) => option.value))}
          >
            {(categories.value ?? []).map((c) => (
              <option key={c.id} value={c.id} selected={draft.categoryIds.includes(c.id)}>
                {`${'\u2003'.repeat(c.depth)}${c.name}`}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <TextField label="Priority" value={draft.priority} onInput={set('priority')} type="number" min={0} max={1000} hint="Higher applies first." />
      <CheckboxField label="Exclusive (no other promotion on the same items)" checked={draft.exclusive} onChange={set('exclusive')} />
      <TextField label="Starts at" type="datetime-local" value={draft.startsAt} onInput={set('startsAt')} required />
      <TextField label="Ends at" type="datetime-local" value={draft.endsAt} onInput={set('endsAt')} hint="Optional." />
      <TextField label="Coupon code" value={draft.couponCode} onInput={set('couponCode')} hint="Optional: the promotion then applies only to carts that enter it." error={fieldError(errors, 'body.couponCode')} />
      <TextField label="Uses in all" value={draft.limitTotal} onInput={set('limitTotal')} type="number" min={1} hint="Optional." />
      <TextField label="Uses per shopper" value={draft.limitPerShopper} onInput={set('limitPerShopper')} type="number" min={1} hint="Optional." />
      <CheckboxField label={`Only at ${store ?? 'the store picked in the header'}`} checked={draft.onlyThisStore} onChange={set('onlyThisStore')} />
      <ProblemList problems={problems} />
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
      <button type="submit" class="primary" disabled={action.busy || !draft.name.trim()}>
        Create promotion
      </button>
    </form>
  );
}
