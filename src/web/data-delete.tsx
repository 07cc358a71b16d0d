// Deleting the account from the owner's web page: the pod's name typed to confirm, a live login to the pod server's
// own account pages (its `css-account` cookie: the password typed recently), then the library's `deleteAccount`, as
// `hearth account delete` does it (followers told first, then the pod, the account and its credentials removed).
import { useState } from 'preact/hooks';
import { browserAccountApi } from '../access/page-owner.js';
import { accountSessionFor, deleteAccount, type AccountDeletion } from '../portability/delete.js';
import type { PageProps } from './app.js';
import type { PodInfo } from './data.js';
import { issuer, reason, signOut } from './session.js';

/** The pod server's own login page, where the owner signs in again when its session is over. */
const loginPage = new URL('.account/login/', issuer).href;

type State =
  { kind: 'idle' } | { kind: 'deleting' } | { kind: 'signed-out' } | { kind: 'deleted'; report: AccountDeletion };

/** Delete the account, with the pod's name typed to confirm. */
export function DeleteAccount(props: PageProps & { pod: PodInfo }) {
  const { actor, pod } = props;
  const [typed, setTyped] = useState('');
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [failure, setFailure] = useState<string>();
  const matches = typed === pod.name;

  const run = async (): Promise<void> => {
    const session = await accountSessionFor(await browserAccountApi(issuer), pod.podUrl);
    if (session === 'signed-out') return setState({ kind: 'signed-out' });
    if (session === 'other-account') {
      setState({ kind: 'idle' });
      setFailure(
        'The pod server is signed in to another account than the one that owns this pod: sign in as its owner.',
      );
      return;
    }
    const report = await deleteAccount(actor, { server: issuer, podUrl: pod.podUrl });
    setState({ kind: 'deleted', report });
    await signOut().catch(() => undefined);
  };

  const submit = (event: Event): void => {
    event.preventDefault();
    if (!matches) {
      setFailure(`Type the pod's name, ${pod.name}, exactly: nothing was deleted.`);
      return;
    }
    setFailure(undefined);
    setState({ kind: 'deleting' });
    run().catch((error: unknown) => {
      setState({ kind: 'idle' });
      setFailure(`Nothing was deleted: ${reason(error)}`);
    });
  };

  if (state.kind === 'deleted') {
    const { report } = state;
    return (
      <section class="data-part danger" aria-labelledby="delete-title" id="deleted">
        <h3 id="delete-title">Your account is deleted</h3>
        <p>
          Deleted: {report.deleted.join(', ')} with every resource in it, the account, its logins and app credentials (
          {report.internalRecordsRemoved} records of the server). The WebID {report.webId} no longer exists.
        </p>
        <p>
          {report.notified.length} followers were told
          {report.notNotified.length > 0 ? `; ${report.notNotified.length} could not be:` : '.'}
        </p>
        {report.notNotified.length > 0 && (
          <ul>
            {report.notNotified.map((n) => (
              <li key={n.webId}>
                {n.webId}: {n.reason}
              </li>
            ))}
          </ul>
        )}
        <p>
          You are signed out. <a href={new URL('hearth/', issuer).href}>Back to the start</a>
        </p>
      </section>
    );
  }

  return (
    <section class="data-part danger" aria-labelledby="delete-title">
      <h3 id="delete-title">Delete the account</h3>
      <p>
        This deletes your pod <span class="pod-url">{pod.podUrl}</span> with everything in it, your account, its logins
        and every app's credentials, for good. Your followers are told. Export first if you want to keep anything.
      </p>
      <form onSubmit={submit}>
        <label for="delete-name">
          Type the pod's name, <strong>{pod.name}</strong>, to confirm
        </label>{' '}
        <input
          id="delete-name"
          type="text"
          autocomplete="off"
          spellcheck={false}
          value={typed}
          onInput={(event) => setTyped((event.currentTarget as HTMLInputElement).value)}
        />{' '}
        <button type="submit" id="delete-account" class="danger" disabled={state.kind === 'deleting'}>
          {state.kind === 'deleting' ? 'Deleting…' : 'Delete my account'}
        </button>
      </form>
      {state.kind === 'signed-out' && (
        <p class="error" role="alert" id="delete-login">
          To delete the account, sign in to your pod server again with your password:{' '}
          <a href={loginPage}>sign in at {loginPage}</a>, then come back here. Nothing was deleted.
        </p>
      )}
      {failure && (
        <p class="error" role="alert" id="delete-error">
          {failure}
        </p>
      )}
    </section>
  );
}
