import { useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../api.js';
import { SelectField, TextField } from '../components/field.js';
import { PagedTable, usePaged, type Column } from '../components/table.js';
import { href, type PageProps } from '../router.js';
import { changedFields, formatInstant } from './figures.js';
import { muted } from './page-styles.js';

/**
 * `#/audit`: the audit trail (`GET /audit`), newest first, filtered by entity and id, actor, action and how many days
 * back, paged with "Load more". `#/audit/<entity>/<id>` opens it on one entity's history (the product page links a
 * product's price changes here). Each entry shows who, what, when, the fields it changed (before → after) and the
 * request's correlation id.
 */

interface AuditEntry {
  id: string;
  entity: string;
  entityId: string;
  action: string;
  actor: string;
  actorKind: 'person' | 'integration' | 'system';
  at: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  correlationId?: string;
}

interface Filters {
  entity: string;
  entityId: string;
  actor: string;
  action: string;
  /** Days back from now, or '' for no lower bound (the API then reads the last 7 days unless an entity or actor is named). */
  days: string;
}

/** The entities the trail records today (docs/audit.md), offered as suggestions; any lower-case name may be typed. */
const ENTITIES = ['product', 'stock', 'promotion', 'tax-rates', 'order', 'shopper', 'api-key', 'staff'];
const DAYS = [
  { value: '1', label: 'Last 24 hours' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '92', label: 'Last 92 days' },
  { value: '', label: 'Any time (an entity or actor’s whole history)' },
];
const ACTOR_KINDS: Record<AuditEntry['actorKind'], string> = { person: 'person', integration: 'integration (API key)', system: 'system' };

function query(filters: Filters, cursor: string | undefined) {
  const trimmed = (value: string) => value.trim() || undefined;
  return {
    entity: trimmed(filters.entity),
    entityId: trimmed(filters.entityId),
    actor: trimmed(filters.actor),
    action: trimmed(filters.action),
    from: filters.days ? new Date(Date.now() - Number(filters.days) * 86_400_000).toISOString() : undefined,
    limit: 50,
    cursor,
  };
}

function Changes({ entry }: { entry: AuditEntry }) {
  const changes = changedFields(entry.before ?? {}, entry.after ?? {});
  if (changes.length === 0) return <span style={muted}>no fields changed</span>;
  return (
    <ul class="diff">
      {changes.map((change) => (
        <li key={change.field}>
          <code>{change.field}</code>: <del>{change.before}</del> → <ins>{change.after}</ins>
        </li>
      ))}
    </ul>
  );
}

const COLUMNS: Column<AuditEntry>[] = [
  { header: 'When', cell: (entry) => <time dateTime={entry.at}>{formatInstant(entry.at)}</time> },
  {
    header: 'Who',
    cell: (entry) => (
      <>
        {entry.actor} <span style={muted}>({ACTOR_KINDS[entry.actorKind] ?? entry.actorKind})</span>
      </>
    ),
  },
  {
    header: 'What',
    cell: (entry) => (
      <>
        <strong>{entry.action}</strong> {entry.entity}{' '}
        {entry.entity === 'product' ? <a href={href('catalog', 'products', entry.entityId)}>{entry.entityId}</a> : <code>{entry.entityId}</code>}
      </>
    ),
  },
  { header: 'Before → after', cell: (entry) => <Changes entry={entry} /> },
  { header: 'Correlation id', cell: (entry) => (entry.correlationId ? <code>{entry.correlationId}</code> : <span style={muted}>—</span>) },
];

/** The Audit trail page. */
export default function AuditPage({ params }: PageProps) {
  const [entity = '', entityId = ''] = params;
  const initial: Filters = { entity, entityId, actor: '', action: '', days: entityId ? '' : '7' };
  const [draft, setDraft] = useState<Filters>(initial);
  const [applied, setApplied] = useState<Filters>(initial);
  // A link to another entity's history (the hash changed while the page stayed) starts over from it.
  useEffect(() => {
    setDraft(initial);
    setApplied(initial);
  }, [entity, entityId]);
  const paged = usePaged((cursor) => api.get<Page<AuditEntry>>('/audit', { query: query(applied, cursor) }), [JSON.stringify(applied)]);
  const set = (field: keyof Filters) => (value: string) => setDraft({ ...draft, [field]: value });

  return (
    <section class="page audit">
      <h1>Audit trail</h1>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied({ ...draft });
        }}
      >
        <TextField label="Entity type" value={draft.entity} onInput={set('entity')} placeholder={ENTITIES.join(', ')} name="entity" />
        <TextField label="Entity id" value={draft.entityId} onInput={set('entityId')} name="entityId" hint="Needs an entity type." />
        <TextField label="Actor" value={draft.actor} onInput={set('actor')} name="actor" hint="A subject, or client:<name> for an API key." />
        <TextField label="Action" value={draft.action} onInput={set('action')} name="action" placeholder="price-changed" />
        <SelectField label="Days" value={draft.days} onChange={set('days')} options={DAYS} />
        <button type="submit" class="primary">
          Apply filters
        </button>
      </form>
      <PagedTable caption="Audit entries, newest first" columns={COLUMNS} paged={paged} rowKey={(entry) => entry.id} empty="No audit entries match." />
    </section>
  );
}
