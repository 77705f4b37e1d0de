import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Page } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { fieldError, SelectField, TextArea, TextField } from '../components/field.js';
import { formatMoney, formatTime } from '../components/format.js';
import { ErrorMessage, ProblemList, StatusMessage } from '../components/messages.js';
import { DataTable, PagedTable, usePaged, type Column } from '../components/table.js';
import { useAction, useLoad } from '../components/use-load.js';
import { href, type PageProps } from '../router.js';
import { moneyInput, parseMoney } from './figures.js';
import { upload } from './upload.js';
import { muted, narrow, visuallyHidden } from './page-styles.js';

/**
 * `#/catalog/products/<id>`: one product. Its details and each variant's price are edited with `PATCH /products/{id}`
 * under its version (someone else's change in between is the API's 409); it is retired rather than deleted (refused
 * with 409 `product-in-bundle` while an active bundle lists it) and reinstated; its price history comes from the audit
 * (`GET /products/{id}/prices`, linking to the product's audit trail); and its images are listed and uploaded.
 */

interface Money {
  amount: number;
  currency: string;
}
interface Variant {
  sku: string;
  name: string;
  soldBy: 'each' | 'pack' | 'weight' | 'volume';
  price: Money;
  unitPrice?: unknown;
  [field: string]: unknown;
}
interface Image {
  id: string;
  contentType: string;
  status: 'processing' | 'ready' | 'failed';
  width?: number;
  height?: number;
  uploadedAt: string;
  url: string;
  thumbnails: Record<string, { width: number; height: number; url: string }>;
}
interface Product {
  id: string;
  name: string;
  brand?: string;
  description: string;
  categoryPath: string;
  tags: string[];
  taxCategory: 'food' | 'non-food' | 'alcohol';
  status: 'active' | 'archived';
  version: number;
  updatedAt: string;
  bundle?: { components: { sku: string; quantity: number }[] };
  variants: Variant[];
  images: Image[];
}
interface PriceChange {
  id: string;
  at: string;
  actor: string;
  actorKind: string;
  correlationId?: string;
  changes: { sku: string; from: Money; to: Money }[];
}

/** The form as typed: prices in major units by SKU. */
interface Draft {
  name: string;
  brand: string;
  description: string;
  tags: string;
  taxCategory: Product['taxCategory'];
  prices: Record<string, string>;
}

const PER: Record<Variant['soldBy'], string> = { each: 'each', pack: 'per pack', weight: 'per kg', volume: 'per litre' };

function draftOf(product: Product): Draft {
  return {
    name: product.name,
    brand: product.brand ?? '',
    description: product.description,
    tags: product.tags.join(', '),
    taxCategory: product.taxCategory,
    prices: Object.fromEntries(product.variants.map((v) => [v.sku, moneyInput(v.price.amount, v.price.currency)])),
  };
}

/**
 * The merge patch from the product to the draft: only what changed, variants whole (the API replaces the list) without
 * the unit prices it computes. Problems (a price that is not an amount) are returned instead.
 */
function patchOf(product: Product, draft: Draft): { patch: Record<string, unknown> } | { problems: string[] } {
  const patch: Record<string, unknown> = {};
  const problems: string[] = [];
  if (draft.name.trim() !== product.name) patch.name = draft.name.trim();
  if (draft.brand.trim() !== (product.brand ?? '')) patch.brand = draft.brand.trim() || null;
  if (draft.description !== product.description) patch.description = draft.description;
  const tags = draft.tags.split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.join(',') !== product.tags.join(',')) patch.tags = tags;
  if (draft.taxCategory !== product.taxCategory) patch.taxCategory = draft.taxCategory;
  let pricesChanged = false;
  const variants = product.variants.map(({ unitPrice: _unitPrice, ...variant }) => {
    const amount = parseMoney(draft.prices[variant.sku] ?? '', variant.price.currency);
    if (amount === undefined) {
      problems.push(`The price of ${variant.sku} must be an amount in ${variant.price.currency}, such as 2.50.`);
      return variant;
    }
    if (amount !== variant.price.amount) pricesChanged = true;
    return { ...variant, price: { ...variant.price, amount } };
  });
  if (pricesChanged) patch.variants = variants;
  return problems.length > 0 ? { problems } : { patch };
}

/** A product's page, inside the Catalog page. */
export function ProductPage({ productId }: PageProps & { productId: string }) {
  const product = useLoad(() => api.get<Product>(`/products/${encodeURIComponent(productId)}`), [productId]);
  const [historyKey, setHistoryKey] = useState(0);
  // A change's answer is the product as changed: shown at once, so a second change right after carries its version
  // even before the reload behind it is back (which would otherwise be a needless 409).
  const [changed, setChanged] = useState<Product | undefined>();
  const value = changed && product.value && changed.id === product.value.id && changed.version > product.value.version ? changed : product.value;
  const apply = (next: Product) => {
    setChanged(next);
    product.reload();
  };
  return (
    <section class="page catalog product">
      <h1>Catalog</h1>
      <p>
        <a href={href('catalog')}>← All products and categories</a>
      </p>
      <ErrorMessage error={product.error} />
      {product.loading && !value ? <p class="loading">Loading…</p> : null}
      {value && value.id === productId ? (
        <>
          <h2>{value.name}</h2>
          <p style={muted}>
            {value.categoryPath} · {value.status === 'active' ? 'on sale' : 'retired'} · version {value.version} · changed {formatTime(value.updatedAt)}
          </p>
          {value.bundle ? <p>A bundle of {value.bundle.components.map((c) => `${c.sku} × ${c.quantity}`).join(', ')}.</p> : null}
          <EditProduct
            product={value}
            onSaved={(next) => {
              apply(next);
              setHistoryKey(historyKey + 1);
            }}
          />
          <RetireProduct product={value} onChanged={apply} />
          <PriceHistory productId={value.id} refresh={historyKey} />
          <Images product={value} onChanged={product.reload} />
        </>
      ) : null}
    </section>
  );
}

function EditProduct({ product, onSaved }: { product: Product; onSaved: (next: Product) => void }) {
  const [draft, setDraft] = useState(() => draftOf(product));
  const [problems, setProblems] = useState<string[]>([]);
  const action = useAction();
  const errors = action.error instanceof ApiError ? action.error.errors : undefined;
  useEffect(() => setDraft(draftOf(product)), [product.id, product.version]);
  const set = (field: Exclude<keyof Draft, 'prices'>) => (value: string) => setDraft({ ...draft, [field]: value });

  const submit = (event: Event) => {
    event.preventDefault();
    const result = patchOf(product, draft);
    if ('problems' in result) return setProblems(result.problems);
    setProblems([]);
    if (Object.keys(result.patch).length === 0) return setProblems(['Nothing was changed.']);
    void action.run(async () => {
      const saved = await api.patch<Product>(`/products/${product.id}`, { body: { version: product.version, ...result.patch } });
      onSaved(saved);
      return `Saved: version ${saved.version}.`;
    });
  };

  const variantColumns: Column<Variant>[] = [
    { header: 'SKU', cell: (v) => <code>{v.sku}</code> },
    { header: 'Variant', cell: (v) => v.name },
    { header: 'Sold', cell: (v) => PER[v.soldBy] },
    {
      header: 'Price',
      cell: (v) => (
        <span class="field">
          <label for={`price-${v.sku}`} style={visuallyHidden}>
            Price of {v.sku} ({v.price.currency})
          </label>
          <input
            id={`price-${v.sku}`}
            inputMode="decimal"
            size={8}
            value={draft.prices[v.sku] ?? ''}
            onInput={(event) => setDraft({ ...draft, prices: { ...draft.prices, [v.sku]: (event.target as HTMLInputElement).value } })}
          />{' '}
          {v.price.currency}
        </span>
      ),
    },
  ];

  return (
    <form class="stacked" style={narrow} aria-label="Edit the product" onSubmit={submit}>
      <h3>Details and prices</h3>
      <TextField label="Name" value={draft.name} onInput={set('name')} required error={fieldError(errors, 'body.name')} />
      <TextField label="Brand" value={draft.brand} onInput={set('brand')} error={fieldError(errors, 'body.brand')} />
      <TextArea label="Description" value={draft.description} onInput={set('description')} rows={3} />
      <TextField label="Tags" value={draft.tags} onInput={set('tags')} hint="Comma-separated." error={fieldError(errors, 'body.tags')} />
      <SelectField
        label="Tax category"
        value={draft.taxCategory}
        onChange={set('taxCategory')}
        options={[
          { value: 'food', label: 'Food' },
          { value: 'non-food', label: 'Non-food' },
          { value: 'alcohol', label: 'Alcohol' },
        ]}
      />
      <DataTable caption="Variants and their prices" columns={variantColumns} rows={product.variants} rowKey={(v) => v.sku} />
      <ProblemList problems={problems} />
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
      <button type="submit" class="primary" disabled={action.busy}>
        Save
      </button>
    </form>
  );
}

function RetireProduct({ product, onChanged }: { product: Product; onChanged: (next: Product) => void }) {
  const action = useAction();
  const post = (verb: 'retire' | 'reinstate', done: string) =>
    action.run(async () => {
      onChanged(await api.post<Product>(`/products/${product.id}/${verb}`, { idempotent: false }));
      return done;
    });
  return (
    <div class="retire">
      <h3>Retire</h3>
      {product.status === 'archived' ? (
        <>
          <p>This product is retired: it is no longer sold, and stays in past orders and reports.</p>
          <button type="button" disabled={action.busy} onClick={() => void post('reinstate', `${product.name} is on sale again.`)}>
            Reinstate
          </button>
        </>
      ) : (
        <>
          <p>A retired product is no longer sold; it is never deleted. A product an active bundle lists cannot be retired.</p>
          <ConfirmButton label="Retire" question={`Retire ${product.name}?`} danger disabled={action.busy} onConfirm={() => post('retire', `${product.name} is retired.`)} />
        </>
      )}
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
    </div>
  );
}

function PriceHistory({ productId, refresh }: { productId: string; refresh: number }) {
  const paged = usePaged((cursor) => api.get<Page<PriceChange>>(`/products/${productId}/prices`, { query: { limit: 20, cursor } }), [productId, refresh]);
  const rows = paged.rows.flatMap((entry) => entry.changes.map((change) => ({ entry, change })));
  const columns: Column<(typeof rows)[number]>[] = [
    { header: 'When', cell: ({ entry }) => <time dateTime={entry.at}>{formatTime(entry.at)}</time> },
    { header: 'Who', cell: ({ entry }) => `${entry.actor} (${entry.actorKind})` },
    { header: 'SKU', cell: ({ change }) => <code>{change.sku}</code> },
    { header: 'From', cell: ({ change }) => formatMoney(change.from), numeric: true },
    { header: 'To', cell: ({ change }) => formatMoney(change.to), numeric: true },
    { header: 'Correlation id', cell: ({ entry }) => (entry.correlationId ? <code>{entry.correlationId}</code> : '—') },
  ];
  return (
    <section aria-labelledby="price-history-heading">
      <h3 id="price-history-heading">Price history</h3>
      <p>
        <a href={href('audit', 'product', productId)}>Audit entries of this product</a>
      </p>
      <PagedTable
        caption="Price changes, newest first"
        columns={columns}
        paged={{ ...paged, rows }}
        rowKey={({ entry, change }) => `${entry.id}/${change.sku}`}
        empty="No price changes recorded."
      />
    </section>
  );
}

/**
 * Whether the console's CSP (`img-src 'self' data: https:`) lets an image show: on AWS images are on HTTPS; locally the
 * storage engine is plain HTTP on another port, where an `<img>` would only be blocked (and reported as a violation).
 */
function displayable(url: string): boolean {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'https:' || parsed.origin === location.origin;
  } catch {
    return false;
  }
}

function Images({ product, onChanged }: { product: Product; onChanged: () => void }) {
  const [file, setFile] = useState<File | undefined>();
  const action = useAction();
  const processing = product.images.some((image) => image.status === 'processing');
  // Thumbnails are made in the background: look again every two seconds while any is still being made.
  useEffect(() => {
    if (!processing) return;
    const timer = setTimeout(onChanged, 2000);
    return () => clearTimeout(timer);
  }, [processing, product.version, product.images.length, product.updatedAt]);

  const columns: Column<Image>[] = [
    {
      header: 'Image',
      cell: (image) => {
        const thumbnail = Object.values(image.thumbnails).sort((a, b) => a.width - b.width)[0];
        const url = (thumbnail ?? image).url;
        if (!displayable(url)) return <span style={muted}>no preview here (the image host is not HTTPS)</span>;
        return <img src={url} alt={`${product.name}, uploaded ${formatTime(image.uploadedAt)}`} width={thumbnail?.width ?? 96} loading="lazy" />;
      },
    },
    { header: 'Status', cell: (image) => image.status },
    { header: 'Size', cell: (image) => (image.width && image.height ? `${image.width} × ${image.height}` : '—') },
    { header: 'Type', cell: (image) => image.contentType },
    { header: 'Uploaded', cell: (image) => formatTime(image.uploadedAt) },
    {
      header: 'Original',
      cell: (image) => (
        <a href={image.url} target="_blank" rel="noopener noreferrer">
          Open
        </a>
      ),
    },
  ];
  return (
    <section aria-labelledby="images-heading">
      <h3 id="images-heading">Images</h3>
      <DataTable caption="Images" columns={columns} rows={product.images} rowKey={(image) => image.id} empty="No images yet." />
      <form
        class="toolbar"
        aria-label="Upload an image"
        onSubmit={(event) => {
          event.preventDefault();
          if (!file) return;
          void action.run(async () => {
            const form = new FormData();
            form.append('file', file, file.name);
            await upload(`/products/${product.id}/images`, form);
            setFile(undefined);
            (event.target as HTMLFormElement).reset();
            onChanged();
            return `${file.name} uploaded; its thumbnails are being made.`;
          });
        }}
      >
        <div class="field">
          <label for="image-file">Image file</label>
          <input
            id="image-file"
            type="file"
            accept="image/jpeg,image/png,image/webp"
            aria-describedby="image-file-hint"
            onChange={(event) => {
              action.clear();
              setFile((event.target as HTMLInputElement).files?.[0]);
            }}
          />
          <small id="image-file-hint">JPEG, PNG or WebP, up to 5 MB.</small>
        </div>
        <button type="submit" class="primary" disabled={!file || action.busy}>
          Upload
        </button>
      </form>
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
    </section>
  );
}
