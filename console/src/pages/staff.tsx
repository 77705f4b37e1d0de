import { useState } from 'preact/hooks';
import { api, type Page } from '../api.js';
import { CheckboxField, SelectField, TextField } from '../components/field.js';
import { ErrorMessage, StatusMessage } from '../components/messages.js';
import { PagedTable, usePaged, type Column } from '../components/table.js';
import { useAction } from '../components/use-load.js';

/** Staff roles (shared/auth/roles.ts STAFF_ROLES); picker and store-manager are bound to stores. */
const STAFF_ROLES = ['picker', 'store-manager', 'head-office', 'customer-service', 'admin'];
const STORE_BOUND = ['picker', 'store-manager'];

interface Member {
  subject: string;
  roles: string[];
  stores: string[];
}

function RolesForm({ member, onSaved }: { member: Member; onSaved: (member: Member) => void }) {
  const [roles, setRoles] = useState(member.roles);
  const [stores, setStores] = useState(member.stores.join(', '));
  const action = useAction();
  const storeBound = roles.some((role) => STORE_BOUND.includes(role));
  const save = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const list = storeBound
        ? stores
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [];
      const saved = await api.put<Member>(`/staff/${encodeURIComponent(member.subject)}/roles`, { body: { roles, stores: list } });
      onSaved(saved);
      return `Roles of ${saved.subject} saved: ${saved.roles.join(', ') || 'none'}${saved.stores.length ? ` at ${saved.stores.join(', ')}` : ''}.`;
    });
  };
  return (
    <form class="stacked" onSubmit={save}>
      <h2>Roles of {member.subject}</h2>
      <fieldset>
        <legend>Roles</legend>
        {STAFF_ROLES.map((role) => (
          <CheckboxField key={role} label={role} checked={roles.includes(role)} onChange={(on) => setRoles(on ? [...roles, role] : roles.filter((r) => r !== role))} />
        ))}
      </fieldset>
      {storeBound ? <TextField label="Stores (comma-separated ids)" value={stores} onInput={setStores} /> : null}
      <ErrorMessage error={action.error} />
      <StatusMessage>{action.message}</StatusMessage>
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          Save
        </button>
      </div>
    </form>
  );
}

/** `#/staff`: members of staff with their roles and stores; an admin gives and takes roles. */
export default function StaffPage() {
  const [role, setRole] = useState('');
  const [editing, setEditing] = useState<Member | undefined>();
  const [newSubject, setNewSubject] = useState('');
  const staff = usePaged<Member>((cursor) => api.get<Page<Member>>('/staff', { query: { role, cursor } }), [role]);
  const columns: Column<Member>[] = [
    { header: 'Subject', cell: (member) => member.subject },
    { header: 'Roles', cell: (member) => member.roles.join(', ') || '—' },
    { header: 'Stores', cell: (member) => member.stores.join(', ') || '—' },
    {
      header: 'Action',
      cell: (member) => (
        <button type="button" onClick={() => setEditing(member)} aria-label={`Edit roles of ${member.subject}`}>
          Edit roles
        </button>
      ),
    },
  ];
  return (
    <section class="page">
      <h1>Staff</h1>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <SelectField label="Role" value={role} onChange={setRole} options={[{ value: '', label: 'Any role' }, ...STAFF_ROLES.map((r) => ({ value: r, label: r }))]} />
      </form>
      <PagedTable caption="Staff" columns={columns} paged={staff} rowKey={(member) => member.subject} empty="No staff with roles yet." />
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          if (newSubject.trim()) setEditing({ subject: newSubject.trim(), roles: [], stores: [] });
        }}
      >
        <TextField label="Another member's subject" value={newSubject} onInput={setNewSubject} />
        <button type="submit">Give roles</button>
      </form>
      {editing ? (
        <RolesForm
          key={editing.subject}
          member={editing}
          onSaved={(saved) => {
            setEditing(saved);
            staff.reload();
          }}
        />
      ) : null}
    </section>
  );
}
