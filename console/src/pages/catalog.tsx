import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Page } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { fieldError, SelectField, TextField } from '../components/field.js';
import { formatMoney } from '../components/format.js';
import { ErrorMessage, StatusMessage } from '../components/messages.js';
import { DataTable, PagedTable, usePaged, type Column } from '../components/table.js';
import { useAction, useLoad } from '../components/use-load.js';
import { href, type PageProps } from '../router.js';
import { ProductPage } from './catalog-product.js';
import { IMPORT_TYPES, importFormat, upload, type ImportFormat } from './upload.js';
import { narrow } from './page-styles.js';

/**
 * `#/catalog`: the category tree (create, rename, move, retire), the products (filtered by category, tag and status,
 * or searched by words, paged) and imports (a file uploaded, then followed into a progress bar with its row errors).
 * `#/catalog/products/<id>` is one product (catalog-product.tsx).
 */

interface Category {
  id: string;
  slug: string;
  name: string;
  parentId: string | null;
  path: string;
  depth: number;
  status: 'active' | 'retired';
  version: number;
}

interface ProductSummary {
  id: string;
  name: string;
  brand?: string;
  categoryPath: string;
  status: 'active' | 'archived';
  version: number;
  variants: { sku: string; price: { amount: number; currency: string } }[];
}

interface SearchHit {
  id: string;
  name: string;
  brand?: string;
  price: { amount: number; currency: string };
}

/** An import job as `GET /imports/{id}` shows it. */
interface ImportJob {
  id: string;
  status: 'awaiting-upload' | 'queued' | 'running' | 'completed' | 'failed';
  progress: { processedRows: number; expectedRows: number | null; percent: number };
  counts: { total: number; created: number; updated: number; unchanged: number; failed: number };
  error?: string;
  errors: { row: number; sku?: string; field: string; message: string }[];
  errorsTruncated: boolean;
}

/**
 * The inline import's limit (`POST /products/import`). Larger files go through a presigned upload straight to storage
 * (`POST /imports`), which the console cannot make: its CSP allows connections to its own origin only
 * (`connect-src 'self'`), and the bucket is another origin. So the page takes files up to this size.
 */
const INLINE_LIMIT = 6 * 1024 * 1024;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A slug from a name, as the API derives product slugs: "Soft Drinks" → `soft-drinks`. */
function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

/** The Catalog page, or a product's page for `#/catalog/products/<id>`. */
export default function CatalogPage(props: PageProps) {
  const [section, id] = props.params;
  if (section === 'products' && id) return <ProductPage {...props} productId={id} />;
  return (
    <section class="page catalog">
      <h1>Catalog</h1>
      <Categories />
      <Products />
      <Imports />
    </section>
  );
}

/**
 * Categories in depth-first path order, each with its depth: the staff listing, retired ones included
 * (`GET /admin/categories`), or the active ones only.
 */
function useCategories(withRetired: boolean) {
  return useLoad(() => api.get<{ items: Category[] }>(withRetired ? '/admin/categories' : '/categories').then((page) => page.items), []);
}

function Categories() {
  const categories = useCategories(true);
  const all = categories.value ?? [];
  // Only active categories take new children, moves and renames; a retired one stays listed, marked.
  const list = all.filter((c) => c.status !== 'retired');
  const options = (exclude?: Category) => [
    { value: '', label: '(top level)' },
    ...list
      .filter((c) => !exclude || (c.id !== exclude.id && !c.path.startsWith(`${exclude.path}/`)))
      .map((c) => ({ value: c.id, label: `${'\u2003'.repeat(c.depth)}${c.name}` })),
  ];
  const columns: Column<Category>[] = [
    { header: 'Category', cell: (c) => <span class={`depth-${Math.min(c.depth, 6)}`}>{`${'\u2003'.repeat(c.depth)}${c.name}`}</span> },
    { header: 'Slug', cell: (c) => <code>{c.slug}</code> },
    { header: 'Path', cell: (c) => c.path },
    { header: 'Status', cell: (c) => (c.status === 'retired' ? 'retired' : 'active') },
  ];
  return (
    <section aria-labelledby="categories-heading">
      <h2 id="categories-heading">Categories</h2>
      <ErrorMessage error={categories.error} />
      {categories.loading && !categories.value ? <p class="loading">Loading…</p> : null}
      <DataTable caption="Category tree" columns={columns} rows={all} rowKey={(c) => c.id} empty="No categories yet." />
      <CreateCategory options={options()} onCreated={categories.reload} />
      {list.length > 0 ? <ChangeCategory categories={list} options={options} onChanged={categories.reload} /> : null}
    </section>
  );
}

function CreateCategory({ options, onCreated }: { options: { value: string; label: string }[]; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [parentId, setParentId] = useState('');
  const action = useAction();
  const errors = action.error instanceof ApiError ? action.error.errors : undefined;
  const effectiveSlug = slug || slugOf(name);
  return (
    <form
      class="stacked" style={narrow}
      aria-label="Create a category"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(async () => {
          const created = await api.post<Category>('/categories', { body: { name: name.trim(), slug: effectiveSlug, parentId: parentId || null } });
          setName('');
          setSlug('');
          onCreated();
          return `Category ${created.name} created at ${created.path}.`;
        });
      }}
    >
      <h3>New category</h3>
      <TextField label="Name" value={name} onInput={setName} required error={fieldError(errors, 'body.name')} />
      <TextField
        label="Slug"
        value={slug}
        onInput={setSlug}
        placeholder={slugOf(name) || 'soft-drinks'}
        hint="Lower-case words and hyphens; from the name when left empty."
        error={fieldError(errors, 'body.slug') ?? (slug && !SLUG.test(slug) ? 'lower-case letters, digits and single hyphens' : undefined)}
      />
      <SelectField label="Parent" value={parentId} onChange={setParentId} options={options} />
      <button type="submit" class="primary" disabled={action.busy || !name.trim() || !SLUG.test(effectiveSlug)}>
        Create category
      </button>
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
    </form>
  );
}

function ChangeCategory({
  categories,
  options,
  onChanged,
}: {
  categories: Category[];
  options: (exclude?: Category) => { value: string; label: string }[];
  onChanged: () => void;
}) {
  const [selectedId, setSelectedId] = useState(categories[0]?.id ?? '');
  // Versions from the answers to this form's own changes: a second change right after the first carries the new
  // version even before the listing's reload is back.
  const [versions, setVersions] = useState<Record<string, number>>({});
  const listed = categories.find((c) => c.id === selectedId) ?? categories[0];
  const selected = listed && { ...listed, version: Math.max(listed.version, versions[listed.id] ?? 0) };
  const [name, setName] = useState(selected?.name ?? '');
  const [parentId, setParentId] = useState(selected?.parentId ?? '');
  const action = useAction();
  useEffect(() => {
    setName(selected?.name ?? '');
    setParentId(selected?.parentId ?? '');
  }, [selected?.id, selected?.name, selected?.parentId]);
  if (!selected) return null;

  const change = (body: Record<string, unknown>, done: string) =>
    action.run(async () => {
      const changed = await api.patch<Category>(`/categories/${selected.id}`, { body: { ...body, version: selected.version } });
      setVersions({ ...versions, [changed.id]: changed.version });
      onChanged();
      return done;
    });

  return (
    <form class="stacked" style={narrow} aria-label="Change a category" onSubmit={(event) => event.preventDefault()}>
      <h3>Change a category</h3>
      <SelectField
        label="Category"
        value={selected.id}
        onChange={(value) => {
          action.clear();
          setSelectedId(value);
        }}
        options={categories.map((c) => ({ value: c.id, label: `${'\u2003'.repeat(c.depth)}${c.name}` }))}
      />
      <div class="toolbar">
        <TextField label="New name" value={name} onInput={setName} />
        <button type="button" disabled={action.busy || !name.trim() || name.trim() === selected.name} onClick={() => void change({ name: name.trim() }, `Renamed to ${name.trim()}.`)}>
          Rename
        </button>
      </div>
      <div class="toolbar">
        <SelectField label="New parent" value={parentId ?? ''} onChange={setParentId} options={options(selected)} />
        <button
          type="button"
          disabled={action.busy || (parentId || null) === selected.parentId}
          onClick={() => void change({ parentId: parentId || null }, `${selected.name} moved.`)}
        >
          Move
        </button>
      </div>
      <ConfirmButton
        label="Retire"
        question={`Retire the category ${selected.name}?`}
        danger
        disabled={action.busy}
        onConfirm={() =>
          action.run(async () => {
            await api.post(`/categories/${selected.id}/retire`, { idempotent: false });
            onChanged();
            return `${selected.name} retired.`;
          })
        }
      />
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
    </form>
  );
}

interface ProductFilters {
  q: string;
  category: string;
  tag: string;
  status: 'active' | 'archived';
}

function Products() {
  const categories = useCategories(false);
  const initial: ProductFilters = { q: '', category: '', tag: '', status: 'active' };
  const [draft, setDraft] = useState(initial);
  const [applied, setApplied] = useState(initial);
  const paged = usePaged<ProductSummary | SearchHit>(
    (cursor) =>
      applied.q.trim()
        ? api.get<Page<SearchHit>>('/search', { query: { q: applied.q.trim(), category: applied.category || undefined, limit: 24, cursor } })
        : api.get<Page<ProductSummary>>('/products', {
            query: { category: applied.category || undefined, tag: applied.tag.trim() || undefined, status: applied.status, limit: 24, cursor },
          }),
    [JSON.stringify(applied)],
  );
  const prices = (row: ProductSummary | SearchHit) =>
    'variants' in row ? row.variants.map((v) => `${v.sku} ${formatMoney(v.price)}`).join(', ') : `from ${formatMoney(row.price)}`;
  const columns: Column<ProductSummary | SearchHit>[] = [
    { header: 'Product', cell: (row) => <a href={href('catalog', 'products', row.id)}>{row.name}</a> },
    { header: 'Brand', cell: (row) => row.brand ?? '—' },
    { header: 'Category', cell: (row) => ('categoryPath' in row ? row.categoryPath : '—') },
    { header: 'SKUs and prices', cell: prices },
    { header: 'Status', cell: (row) => ('status' in row ? row.status : 'active') },
  ];
  const set = (field: keyof ProductFilters) => (value: string) => setDraft({ ...draft, [field]: value });
  return (
    <section aria-labelledby="products-heading">
      <h2 id="products-heading">Products</h2>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied({ ...draft });
        }}
      >
        <TextField label="Search" type="search" value={draft.q} onInput={set('q')} hint="Words in the name, brand, SKU or tags (active products only)." />
        <SelectField
          label="In category"
          value={draft.category}
          onChange={set('category')}
          options={[{ value: '', label: 'All categories' }, ...(categories.value ?? []).map((c) => ({ value: c.id, label: `${'\u2003'.repeat(c.depth)}${c.name}` }))]}
        />
        <TextField label="Tag" value={draft.tag} onInput={set('tag')} />
        <SelectField
          label="Status"
          value={draft.status}
          onChange={set('status')}
          options={[
            { value: 'active', label: 'On sale' },
            { value: 'archived', label: 'Retired' },
          ]}
        />
        <button type="submit" class="primary">
          Show products
        </button>
      </form>
      <PagedTable caption="Products" columns={columns} paged={paged} rowKey={(row) => row.id} empty="No products match." />
    </section>
  );
}

function Imports() {
  const [file, setFile] = useState<File | undefined>();
  const [job, setJob] = useState<ImportJob | undefined>();
  const [pollError, setPollError] = useState<unknown>();
  const action = useAction();
  const format = file ? importFormat(file.name) : undefined;

  // Follows the job until it finishes: once a second, as GET /imports/{id} is cheap and imports take seconds to minutes.
  useEffect(() => {
    if (!job || job.status === 'completed' || job.status === 'failed') return;
    const timer = setTimeout(() => {
      api.get<ImportJob>(`/imports/${job.id}`).then(
        (next) => {
          setPollError(undefined);
          setJob(next);
        },
        // A failed look is shown and tried again: the import goes on whether or not the console follows it.
        (failure: unknown) => {
          setPollError(failure);
          setJob({ ...job });
        },
      );
    }, 1000);
    return () => clearTimeout(timer);
  }, [job]);

  const start = (chosen: File, as: ImportFormat) =>
    action.run(async () => {
      setJob(undefined);
      setJob(await upload<ImportJob>('/products/import', chosen, IMPORT_TYPES[as]));
      return `Import of ${chosen.name} started.`;
    });
  const tooLarge = file !== undefined && file.size > INLINE_LIMIT;

  const errorColumns: Column<ImportJob['errors'][number]>[] = [
    { header: 'Row', cell: (e) => e.row, numeric: true },
    { header: 'SKU', cell: (e) => e.sku ?? '—' },
    { header: 'Field', cell: (e) => <code>{e.field}</code> },
    { header: 'Message', cell: (e) => e.message },
  ];

  return (
    <section aria-labelledby="imports-heading">
      <h2 id="imports-heading">Import products</h2>
      <form
        class="toolbar"
        aria-label="Import products"
        onSubmit={(event) => {
          event.preventDefault();
          if (file && format && !tooLarge) void start(file, format);
        }}
      >
        <div class="field">
          <label for="import-file">Import file</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,.json,.ndjson,.jsonl,text/csv,application/json"
            aria-describedby="import-file-hint"
            onChange={(event) => {
              action.clear();
              setFile((event.target as HTMLInputElement).files?.[0]);
            }}
          />
          <small id="import-file-hint">CSV, JSON or NDJSON, one row per variant (integration-files/catalog/IMPORT.md).</small>
        </div>
        <button type="submit" class="primary" disabled={!file || !format || tooLarge || action.busy}>
          Upload
        </button>
        {tooLarge ? (
          <div role="alert" class="message error">
            {file.name} is larger than 6 MB: import it with the API’s upload to storage (POST /imports, see IMPORT.md) from a script.
          </div>
        ) : null}
        {file && !format ? (
          <div role="alert" class="message error">
            {file.name} is not a .csv, .json or .ndjson file.
          </div>
        ) : null}
      </form>
      <ErrorMessage error={action.error ?? pollError} />
      <StatusMessage>{action.message}</StatusMessage>
      {job ? <ImportProgress job={job} columns={errorColumns} /> : null}
    </section>
  );
}

function ImportProgress({ job, columns }: { job: ImportJob; columns: Column<ImportJob['errors'][number]>[] }) {
  const done = job.status === 'completed' || job.status === 'failed';
  return (
    <div class="import-job">
      <div class="field">
        <label for="import-progress">Import progress</label>
        <progress id="import-progress" max={100} value={job.progress.percent}>
          {job.progress.percent}%
        </progress>
        <span>
          {' '}
          {job.progress.percent}% ({job.progress.processedRows}
          {job.progress.expectedRows === null ? '' : ` of ${job.progress.expectedRows}`} rows), {job.status}
        </span>
      </div>
      {done ? (
        <p role="status">
          Import {job.status}: {job.counts.created} created, {job.counts.updated} updated, {job.counts.unchanged} unchanged, {job.counts.failed} failed
          {job.error ? ` (${job.error})` : ''}.
        </p>
      ) : null}
      {job.errors.length > 0 ? (
        <DataTable caption={`Row errors${job.errorsTruncated ? ' (the first 1,000)' : ''}`} columns={columns} rows={job.errors} rowKey={(e) => `${e.row}/${e.field}/${e.message}`} />
      ) : null}
    </div>
  );
}
