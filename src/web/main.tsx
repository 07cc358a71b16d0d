// Hearth's web page (issue 12), served by the pod server at `<base>hearth/` (src/server/web-page.ts). For now it
// signs the owner in with Solid-OIDC (authorization code, PKCE and DPoP, through the server's own login and consent
// pages) as the client of the Client ID Document at `<base>hearth/id`, and shows the WebID signed in. Everything the
// page shows is text: Preact sets text nodes, and the page's CSP (Trusted Types 'none') refuses any HTML sink.
import { handleIncomingRedirect, login, logout } from '@inrupt/solid-client-authn-browser';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';

/** The page's own URL (`<base>hearth/`, without the query the sign-in returns with), its client id and its issuer. */
const pageUrl = new URL('./', location.href).href;
const clientId = new URL('id', pageUrl).href;
const issuer = new URL('../', pageUrl).href;

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out'; error?: string }
  | { kind: 'signing-in' }
  | { kind: 'signed-in'; webId: string };

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    handleIncomingRedirect({ url: location.href }).then(
      (info) =>
        setState(info?.isLoggedIn && info.webId ? { kind: 'signed-in', webId: info.webId } : { kind: 'signed-out' }),
      (error: unknown) => setState({ kind: 'signed-out', error: `Sign-in did not complete: ${reason(error)}` }),
    );
  }, []);

  const signIn = (): void => {
    setState({ kind: 'signing-in' });
    login({ oidcIssuer: issuer, clientId, redirectUrl: pageUrl }).catch((error: unknown) =>
      setState({ kind: 'signed-out', error: `Could not start sign-in: ${reason(error)}` }),
    );
  };
  const signOut = (): void => {
    logout().then(
      () => setState({ kind: 'signed-out' }),
      (error: unknown) => setState({ kind: 'signed-out', error: `Sign-out failed: ${reason(error)}` }),
    );
  };

  return (
    <main>
      <h1>Hearth</h1>
      <p role="status" aria-live="polite">
        {state.kind === 'loading' && 'Checking sign-in…'}
        {state.kind === 'signing-in' && 'Going to your pod server’s sign-in page…'}
        {state.kind === 'signed-out' && (state.error ?? 'You are not signed in.')}
        {state.kind === 'signed-in' && (
          <>
            Signed in as <span id="webid">{state.webId}</span>
          </>
        )}
      </p>
      {state.kind === 'signed-in' ? (
        <button type="button" id="signout" onClick={signOut}>
          Sign out
        </button>
      ) : (
        <button type="button" id="signin" onClick={signIn} disabled={state.kind !== 'signed-out'}>
          Sign in
        </button>
      )}
    </main>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
