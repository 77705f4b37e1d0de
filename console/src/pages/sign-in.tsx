import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { CheckboxField, SelectField, TextField } from '../components/field.js';
import { ErrorMessage, StatusMessage } from '../components/messages.js';
import { useAction, useLoad } from '../components/use-load.js';
import { signIn } from '../session.js';

/** `GET /auth/sign-in-options` (console-design.md). */
interface SignInOptions {
  mode: 'local' | 'cognito';
  roles?: string[];
  authorizeUrl?: string;
  clientId?: string;
  scopes?: string;
}

/** Roles bound to the stores they work at: the local sign-in asks which. */
const STORE_BOUND = ['picker', 'store-manager'];
const PKCE_KEY = 'smartshelf.console.pkce';

/** Where the hosted UI sends the browser back: the console's own page, on this origin. */
function redirectUri(): string {
  return `${location.origin}/admin/`;
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Authorization code with PKCE (RFC 7636, S256): the verifier and state wait in this tab's sessionStorage. */
async function startHostedSignIn(options: SignInOptions): Promise<void> {
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(options.authorizeUrl!);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: options.clientId!,
    redirect_uri: redirectUri(),
    scope: options.scopes ?? 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** Back from the hosted UI: checks the state, trades the code (and verifier) for a session, and cleans the URL. */
async function completeHostedSignIn(query: URLSearchParams): Promise<void> {
  const saved = sessionStorage.getItem(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  // The code must not stay in the address bar or the history, whatever happens next.
  history.replaceState(null, '', `${location.pathname}#/sign-in`);
  if (query.get('error')) throw new Error(`The sign-in service refused: ${query.get('error_description') ?? query.get('error')}`);
  const pkce = saved ? (JSON.parse(saved) as { verifier: string; state: string }) : undefined;
  if (!pkce || pkce.state !== query.get('state')) throw new Error('This sign-in did not start in this tab (its state does not match). Sign in again.');
  await signIn({ grant: 'authorization_code', code: query.get('code'), codeVerifier: pkce.verifier, redirectUri: redirectUri() });
}

function LocalSignIn({ options }: { options: SignInOptions }) {
  const roles = options.roles ?? [];
  const [role, setRole] = useState(roles.includes('store-manager') ? 'store-manager' : (roles[0] ?? ''));
  const [subject, setSubject] = useState(`dev-${role}`);
  const [edited, setEdited] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const storeBound = STORE_BOUND.includes(role);
  const stores = useLoad(() => api.get<{ items: { id: string; name: string }[] }>('/stores'), []);
  const action = useAction();

  useEffect(() => {
    if (!edited) setSubject(`dev-${role}`);
  }, [role, edited]);
  useEffect(() => {
    // A store-bound role starts with the first store picked, so one click signs in.
    const first = stores.value?.items[0]?.id;
    if (storeBound && picked.length === 0 && first) setPicked([first]);
  }, [storeBound, stores.value]);

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await signIn({ grant: 'local', subject: subject.trim(), roles: [role], stores: storeBound ? picked : [] });
    });
  };

  return (
    <form onSubmit={submit} class="sign-in">
      <p>Local platform: pick the role to work as. No password; this form answers only on a loopback host.</p>
      <SelectField label="Role" value={role} onChange={setRole} options={roles.map((r) => ({ value: r, label: r }))} />
      <TextField
        label="Subject"
        value={subject}
        required
        onInput={(value) => {
          setEdited(true);
          setSubject(value);
        }}
      />
      {storeBound ? (
        <fieldset>
          <legend>Stores</legend>
          <ErrorMessage error={stores.error} />
          {(stores.value?.items ?? []).map((store) => (
            <CheckboxField
              key={store.id}
              label={store.name}
              checked={picked.includes(store.id)}
              onChange={(on) => setPicked(on ? [...picked, store.id] : picked.filter((id) => id !== store.id))}
            />
          ))}
        </fieldset>
      ) : null}
      <ErrorMessage error={action.error} />
      <button type="submit" class="primary" disabled={action.busy || !role}>
        Sign in
      </button>
    </form>
  );
}

/** `#/sign-in`: a role picker on the local platform; the Cognito hosted UI (code with PKCE) on AWS. */
export default function SignInPage() {
  const options = useLoad(() => api.get<SignInOptions>('/auth/sign-in-options'), []);
  const completing = useAction();
  const [started, setStarted] = useState(false);

  useEffect(() => {
    const query = new URLSearchParams(location.search);
    if (!query.has('code') && !query.has('error')) return;
    void completing.run(() => completeHostedSignIn(query));
  }, []);

  return (
    <section class="page sign-in-page">
      <h1>Sign in</h1>
      <ErrorMessage error={options.error ?? completing.error} />
      {completing.busy ? <StatusMessage>Signing you in…</StatusMessage> : null}
      {options.loading ? <p class="loading">Loading…</p> : null}
      {options.value?.mode === 'local' ? <LocalSignIn options={options.value} /> : null}
      {options.value?.mode === 'cognito' ? (
        <div class="sign-in">
          <p>Staff sign in with their SmartShelf account.</p>
          <button
            type="button"
            class="primary"
            disabled={started}
            onClick={() => {
              setStarted(true);
              startHostedSignIn(options.value!).catch(() => setStarted(false));
            }}
          >
            Sign in
          </button>
        </div>
      ) : null}
    </section>
  );
}
