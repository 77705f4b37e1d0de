import { useState } from 'preact/hooks';
import { api, type Page } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { CheckboxField, SelectField, TextField } from '../components/field.js';
import { formatTime } from '../components/format.js';
import { ErrorMessage, StatusMessage } from '../components/messages.js';
import { PagedTable, usePaged, type Column } from '../components/table.js';
import { useAction } from '../components/use-load.js';

/** Roles an integration may hold (any but shopper); store-bound ones need stores. */
const KEY_ROLES = ['catalog-feed', 'stock-feed', 'pos', 'picker', 'store-manager', 'head-office', 'customer-service', 'admin'];
const STORE_BOUND = ['picker', 'store-manager', 'pos', 'stock-feed'];

interface ApiKey {
  id: string;
  name: string;
  roles: string[];
  scopes: string[];
  stores?: string[];
  status: 'active' | 'revoked';
  lastFour: string;
  createdAt: string;
  rotatedAt?: string;
  revokedAt?: string;
  predecessor?: { lastFour: string; expiresAt: string };
  /** Only in the answer that issued it. */
  apiKey?: string;
}

/** A key shown once: the warning, the key and a copy button. */
function IssuedKey({ issued, onDismiss }: { issued: ApiKey; onDismiss: () => void }) {
  const [copied, setCopied] = useState<string | undefined>();
  const copy = () =>
    navigator.clipboard.writeText(issued.apiKey!).then(
      () => setCopied('Copied to the clipboard.'),
      () => setCopied('The browser refused: select the key and copy it.'),
    );
  return (
    <div class="issued" role="region" aria-label="New API key">
      <h2>New key for {issued.name}</h2>
      <p class="message warning">
        <strong>This key is shown only once.</strong> Copy it now and keep it in the integration's secret store: it cannot be
        shown again.
      </p>
      <label for="issued-key">The new key</label>
      <input id="issued-key" class="secret" readOnly value={issued.apiKey} onFocus={(event) => (event.target as HTMLInputElement).select()} />
      {issued.predecessor ? (
        <p>
          The previous key (…{issued.predecessor.lastFour}) keeps working until {formatTime(issued.predecessor.expiresAt)}.
        </p>
      ) : null}
      <div class="actions">
        <button type="button" onClick={() => void copy()}>
          Copy key
        </button>
        <button type="button" onClick={onDismiss}>
          Done
        </button>
      </div>
      <StatusMessage>{copied}</StatusMessage>
    </div>
  );
}

function CreateForm({ onCreated }: { onCreated: (key: ApiKey) => void }) {
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [stores, setStores] = useState('');
  const action = useAction();
  const storeBound = roles.some((role) => STORE_BOUND.includes(role));
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const list = stores
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const created = await api.post<ApiKey>('/api-keys', { body: { name: name.trim(), roles, ...(storeBound ? { stores: list } : {}) } });
      onCreated(created);
      setName('');
      setRoles([]);
      setStores('');
    });
  };
  return (
    <form class="stacked" onSubmit={submit}>
      <h2>Create a key</h2>
      <TextField label="Name" value={name} onInput={setName} required />
      <fieldset>
        <legend>Roles</legend>
        {KEY_ROLES.map((role) => (
          <CheckboxField key={role} label={role} checked={roles.includes(role)} onChange={(on) => setRoles(on ? [...roles, role] : roles.filter((r) => r !== role))} />
        ))}
      </fieldset>
      {storeBound ? <TextField label="Stores (comma-separated ids, * for every store)" value={stores} onInput={setStores} /> : null}
      <ErrorMessage error={action.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          Create key
        </button>
      </div>
    </form>
  );
}

/** `#/api-keys`: integrations' keys: list, create (shown once), rotate with an overlap, revoke. */
export default function ApiKeysPage() {
  const [status, setStatus] = useState('active');
  const [issued, setIssued] = useState<ApiKey | undefined>();
  const [overlapHours, setOverlapHours] = useState('24');
  const keys = usePaged<ApiKey>((cursor) => api.get<Page<ApiKey>>('/api-keys', { query: { status, cursor } }), [status]);
  const action = useAction();

  const rotate = (key: ApiKey) =>
    action.run(async () => {
      const rotated = await api.post<ApiKey>(`/api-keys/${encodeURIComponent(key.id)}/rotate`, { body: { overlapHours: Number(overlapHours) } });
      setIssued(rotated);
      keys.reload();
      return `Key ${key.name} rotated.`;
    });
  const revoke = (key: ApiKey) =>
    action.run(async () => {
      await api.post<ApiKey>(`/api-keys/${encodeURIComponent(key.id)}/revoke`, { idempotent: false });
      keys.reload();
      return `Key ${key.name} (…${key.lastFour}) revoked: it stops working at once.`;
    });

  const columns: Column<ApiKey>[] = [
    { header: 'Name', cell: (key) => key.name },
    { header: 'Key', cell: (key) => `…${key.lastFour}` },
    { header: 'Roles', cell: (key) => key.roles.join(', ') },
    { header: 'Stores', cell: (key) => key.stores?.join(', ') || '—' },
    { header: 'Status', cell: (key) => key.status },
    { header: 'Created', cell: (key) => formatTime(key.createdAt) },
    { header: 'Previous key until', cell: (key) => (key.predecessor ? formatTime(key.predecessor.expiresAt) : '—') },
    {
      header: 'Actions',
      cell: (key) =>
        key.status === 'active' ? (
          <span class="actions">
            <ConfirmButton label="Rotate" question={`Issue a new key for ${key.name}? The old one works ${overlapHours} more hours.`} disabled={action.busy} onConfirm={() => rotate(key)} />
            <ConfirmButton label="Revoke" question={`Revoke ${key.name}? It stops working at once.`} danger disabled={action.busy} onConfirm={() => revoke(key)} />
          </span>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <section class="page">
      <h1>API keys</h1>
      {issued ? <IssuedKey issued={issued} onDismiss={() => setIssued(undefined)} /> : null}
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Status"
          value={status}
          onChange={setStatus}
          options={[
            { value: 'active', label: 'Active' },
            { value: 'revoked', label: 'Revoked' },
          ]}
        />
        <TextField label="Overlap when rotating (hours)" type="number" min={1} max={168} value={overlapHours} onInput={setOverlapHours} />
      </form>
      <PagedTable caption="API keys" columns={columns} paged={keys} rowKey={(key) => key.id} empty="No keys." />
      <CreateForm
        onCreated={(key) => {
          setIssued(key);
          keys.reload();
        }}
      />
    </section>
  );
}
