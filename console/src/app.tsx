import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { ErrorMessage } from './components/messages.js';
import { SelectField } from './components/field.js';
import { allowedPages, allows, PAGES, type PageEntry } from './pages.js';
import { href, navigate, useRoute, type PageProps, type Route } from './router.js';
import { signOut, useSession, type SessionView } from './session.js';

/** Roles whose holders act at every store, so they pick among all of them (shared/auth/roles.ts CHAIN_WIDE_ROLES). */
const CHAIN_WIDE = ['head-office', 'admin'];
const STORE_KEY = 'smartshelf.console.store';

interface StoreSummary {
  id: string;
  name: string;
}

/**
 * Lazily loads `pages/<module>.tsx`: esbuild bundles every file there as a chunk of its own. Async, because the
 * bundle's lookup throws at once for a module it does not have: that must be a rejection the page host shows.
 */
async function loadPage(module: string): Promise<{ default: ComponentType<PageProps> }> {
  return import(`./pages/${module}.tsx`);
}

/** The page a route shows, or why none: `sign-in`, a page entry, or not allowed / unknown. */
function resolve(route: Route, session: SessionView | undefined): { module: string; entry?: PageEntry } | { denied: string } {
  if (route.page === 'sign-in' || !session) return { module: 'sign-in' };
  const entry = PAGES.find((page) => page.route === route.page);
  if (!entry) return { denied: `There is no page “${route.page}”.` };
  if (!allows(session.scopes, entry)) return { denied: `${entry.title} needs the ${entry.scope} scope, which your roles do not give.` };
  return { module: route.params.length > 0 && entry.detailModule ? entry.detailModule : entry.module, entry };
}

/** The stores a member may pick: their own if store-bound, else every store. */
function useStores(session: SessionView | undefined): { stores: StoreSummary[]; error: unknown } {
  const [stores, setStores] = useState<StoreSummary[]>([]);
  const [error, setError] = useState<unknown>();
  const chainWide = !!session && (session.stores.length === 0 || session.roles.some((role) => CHAIN_WIDE.includes(role)));
  const own = session?.stores.join(',') ?? '';
  useEffect(() => {
    if (!session) return setStores([]);
    api
      .get<{ items: StoreSummary[] }>('/stores')
      .then((list) => {
        const mine = chainWide ? list.items : list.items.filter((store) => session.stores.includes(store.id));
        // A store the list does not know still shows, by its id, so a store-bound member is never left without one.
        const missing = chainWide ? [] : session.stores.filter((id) => !mine.some((store) => store.id === id)).map((id) => ({ id, name: id }));
        setStores([...mine, ...missing]);
      })
      .catch((failure: unknown) => {
        setError(failure);
        setStores(session.stores.map((id) => ({ id, name: id })));
      });
  }, [session?.subject, own, chainWide]);
  return { stores, error };
}

/** The store picked in the header, remembered for the tab. */
function usePickedStore(stores: StoreSummary[]): [string | undefined, (store: string) => void] {
  const [picked, setPicked] = useState<string | undefined>(() => sessionStorage.getItem(STORE_KEY) ?? undefined);
  const valid = picked && stores.some((store) => store.id === picked) ? picked : stores[0]?.id;
  const pick = (store: string) => {
    sessionStorage.setItem(STORE_KEY, store);
    setPicked(store);
  };
  return [valid, pick];
}

function Header({ session, stores, store, onStore }: { session: SessionView; stores: StoreSummary[]; store: string | undefined; onStore: (id: string) => void }) {
  const [error, setError] = useState<unknown>();
  return (
    <header class="top">
      <a class="brand" href={href(allowedPages(session.scopes)[0]?.route ?? 'sign-in')}>
        SmartShelf
      </a>
      <div class="who">
        <span class="subject">{session.subject}</span> <span class="roles">{session.roles.join(', ')}</span>
      </div>
      {stores.length > 0 ? (
        <div class="store-picker">
          <SelectField label="Store" value={store ?? ''} onChange={onStore} options={stores.map((s) => ({ value: s.id, label: s.name }))} />
        </div>
      ) : null}
      <button
        type="button"
        onClick={() =>
          signOut().then(
            () => navigate('sign-in'),
            (failure: unknown) => setError(failure),
          )
        }
      >
        Sign out
      </button>
      <ErrorMessage error={error} />
    </header>
  );
}

function Nav({ session, current }: { session: SessionView; current: string }) {
  return (
    <nav aria-label="Console">
      <ul>
        {allowedPages(session.scopes).map((page) => (
          <li key={page.route}>
            <a href={href(page.route)} aria-current={page.route === current ? 'page' : undefined}>
              {page.title}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Loads and draws a page module; a chunk that fails to load is an alert, not a blank page. */
function PageHost({ module, props }: { module: string; props: PageProps }) {
  const [loaded, setLoaded] = useState<{ module: string; Page: ComponentType<PageProps> } | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let current = true;
    setError(undefined);
    loadPage(module).then(
      (page) => current && setLoaded({ module, Page: page.default }),
      (failure: unknown) => current && setError(new Error(`The page could not be loaded (${(failure as Error).message}).`)),
    );
    return () => void (current = false);
  }, [module]);
  if (error) return <ErrorMessage error={error} />;
  if (!loaded || loaded.module !== module) return <p class="loading">Loading…</p>;
  const Page = loaded.Page;
  return <Page {...props} />;
}

/** The console: the sign-in page, or the header, navigation and the page the hash names. */
export function App({ bootError }: { bootError?: unknown }) {
  const session = useSession();
  const route = useRoute();
  const { stores, error: storesError } = useStores(session);
  const [store, setStore] = usePickedStore(stores);
  const target = resolve(route, session);

  useEffect(() => {
    // Signed in at the sign-in page or at no page: go to the first page the roles allow.
    if (session && (route.page === '' || route.page === 'sign-in')) navigate(allowedPages(session.scopes)[0]?.route ?? 'sign-in');
    if (!session && route.page !== 'sign-in') navigate('sign-in');
  }, [session, route.page]);

  if (!session || 'module' in target && target.module === 'sign-in') {
    return (
      <main id="main" class="sign-in-main">
        <ErrorMessage error={bootError} />
        <PageHost module="sign-in" props={{ session: session as SessionView, store: undefined, params: route.params }} />
      </main>
    );
  }
  return (
    <div class="layout">
      <Header session={session} stores={stores} store={store} onStore={setStore} />
      <Nav session={session} current={route.page} />
      <main id="main">
        <ErrorMessage error={storesError} />
        {'denied' in target ? (
          <>
            <h1>Not available</h1>
            <div role="alert" class="message error">
              {target.denied}
            </div>
          </>
        ) : (
          <PageHost module={target.module} props={{ session, store, params: route.params }} />
        )}
      </main>
    </div>
  );
}
