// The page's skeleton: sign-in and sign-out, and the owner's pages by hash route (`#/` Home, `#/people`, `#/apps`,
// `#/data`). Everything the page shows is text: Preact sets text nodes, and the page's CSP (Trusted Types 'none')
// refuses any HTML sink.
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Actor } from '../social/self.js';
import { Home } from './home.js';
import { People } from './people.js';
import { completeSignIn, ownerActor, reason, signIn, signInPossible, signOut } from './session.js';

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out'; error?: string }
  | { kind: 'signing-in' }
  | { kind: 'signed-in'; webId: string };

/** The owner's pages, by the hash of the page's URL. */
const routes = [
  { hash: '#/', title: 'Home' },
  { hash: '#/people', title: 'People' },
  { hash: '#/apps', title: 'Apps' },
  { hash: '#/data', title: 'Your data' },
] as const;

type Route = (typeof routes)[number]['hash'];

/** The route of the page's hash, without its query (`#/?limit=50`). */
function currentRoute(): Route {
  const path = location.hash.split('?')[0] || '#/';
  return routes.find((route) => route.hash === path)?.hash ?? '#/';
}

/** Posts per page of Home: `#/?limit=N` (1 to 100), else 20. */
function pageLimit(): number {
  const asked = Number(new URLSearchParams(location.hash.split('?')[1] ?? '').get('limit'));
  return Number.isInteger(asked) && asked >= 1 && asked <= 100 ? asked : 20;
}

function useRoute(): { route: Route; limit: number } {
  const [route, setRoute] = useState(() => ({ route: currentRoute(), limit: pageLimit() }));
  useEffect(() => {
    const changed = () => setRoute({ route: currentRoute(), limit: pageLimit() });
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** The props every page but Home takes: the signed-in owner. */
export interface PageProps {
  actor: Actor;
}

/**
 * A page loaded on first use (`import()` of its own chunk), so the first load stays small: Apps and Your data carry
 * the access and portability code.
 */
function Lazy(props: PageProps & { load: () => Promise<ComponentType<PageProps>>; title: string }) {
  const { load, title, actor } = props;
  const [page, setPage] = useState<{ View?: ComponentType<PageProps>; error?: string }>({});
  useEffect(() => {
    let current = true;
    load().then(
      (View) => current && setPage({ View }),
      (error: unknown) => current && setPage({ error: `${title} could not be loaded: ${reason(error)}` }),
    );
    return () => {
      current = false;
    };
  }, [load, title]);
  if (page.View) return <page.View actor={actor} />;
  return (
    <section>
      <h2>{title}</h2>
      <p role="status">{page.error ?? 'Loading…'}</p>
    </section>
  );
}

const loadApps = () => import('./apps.js').then((module) => module.Apps);
const loadData = () => import('./data.js').then((module) => module.YourData);

function SignedIn(props: { webId: string; onSignOut: () => void }) {
  const { route, limit } = useRoute();
  const actor = useMemo(() => ownerActor(props.webId), [props.webId]);
  const title = routes.find((r) => r.hash === route)?.title ?? 'Home';
  useEffect(() => {
    document.title = `${title} · Hearth`;
  }, [title]);
  return (
    <>
      <header class="top">
        <h1>Hearth</h1>
        <nav aria-label="Your pages">
          <ul>
            {routes.map((r) => (
              <li key={r.hash}>
                <a href={r.hash} aria-current={r.hash === route ? 'page' : undefined}>
                  {r.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="who">
          Signed in as <span id="webid">{props.webId}</span>{' '}
          <button type="button" id="signout" onClick={props.onSignOut}>
            Sign out
          </button>
        </p>
      </header>
      <main>
        {route === '#/' && <Home key={limit} actor={actor} limit={limit} />}
        {route === '#/people' && <People actor={actor} />}
        {route === '#/apps' && <Lazy actor={actor} load={loadApps} title={title} />}
        {route === '#/data' && <Lazy actor={actor} load={loadData} title={title} />}
      </main>
    </>
  );
}

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    if (!signInPossible()) {
      setState({
        kind: 'signed-out',
        error:
          'Sign-in cannot work at this address: the pod server lets web pages sign in only at https or ' +
          'http://localhost addresses. Ask its operator to serve it over https.',
      });
      return;
    }
    completeSignIn().then(
      (webId) => setState(webId ? { kind: 'signed-in', webId } : { kind: 'signed-out' }),
      (error: unknown) => setState({ kind: 'signed-out', error: `Sign-in did not complete: ${reason(error)}` }),
    );
  }, []);

  const start = (): void => {
    setState({ kind: 'signing-in' });
    signIn().catch((error: unknown) =>
      setState({ kind: 'signed-out', error: `Could not start sign-in: ${reason(error)}` }),
    );
  };
  const end = (): void => {
    signOut().then(
      () => setState({ kind: 'signed-out' }),
      (error: unknown) => setState({ kind: 'signed-out', error: `Sign-out failed: ${reason(error)}` }),
    );
  };

  if (state.kind === 'signed-in') return <SignedIn webId={state.webId} onSignOut={end} />;
  return (
    <main>
      <h1>Hearth</h1>
      <p role="status" aria-live="polite">
        {state.kind === 'loading' && 'Checking sign-in…'}
        {state.kind === 'signing-in' && 'Going to your pod server’s sign-in page…'}
        {state.kind === 'signed-out' && (state.error ?? 'You are not signed in.')}
      </p>
      <button type="button" id="signin" onClick={start} disabled={state.kind !== 'signed-out' || !signInPossible()}>
        Sign in
      </button>
    </main>
  );
}
