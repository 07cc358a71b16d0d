// Moving to another server from the owner's web page, guided: export here, create an account on the new server and
// import there (on that server's own page: its password never passes through this one), confirm there, then announce
// here. The same library steps as `hearth move` (src/portability/moved.ts).
import { useState } from 'preact/hooks';
import { announceMove, confirmMovedHere, type MoveAnnouncement } from '../portability/moved.js';
import type { Refollowed } from '../portability/refollow.js';
import type { PageProps } from './app.js';
import type { PodInfo } from './data.js';
import { publicFetch, reason } from './session.js';

/** The page of Hearth on another server, when `server` is an http(s) URL. */
function pageOf(server: string): string | undefined {
  try {
    const url = new URL(server.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return new URL('hearth/', url.origin + url.pathname.replace(/\/?$/u, '/')).href;
  } catch (error: unknown) {
    if (!(error instanceof TypeError)) throw error;
    return undefined;
  }
}

/** The guided move, in three steps. */
export function MoveWizard(props: PageProps & { pod: PodInfo }) {
  const { actor } = props;
  const [server, setServer] = useState('');
  const [newWebId, setNewWebId] = useState('');
  const [oldWebId, setOldWebId] = useState('');
  const [busy, setBusy] = useState(false);
  const [announced, setAnnounced] = useState<MoveAnnouncement>();
  const [confirmed, setConfirmed] = useState<Refollowed[]>();
  const [failure, setFailure] = useState<string>();
  const newPage = pageOf(server);

  const act = <T,>(work: () => Promise<T>, done: (value: T) => void) => {
    setBusy(true);
    setFailure(undefined);
    work()
      .then(done, (error: unknown) => setFailure(reason(error)))
      .finally(() => setBusy(false));
  };

  return (
    <section class="data-part" aria-labelledby="move-title">
      <h3 id="move-title">Move to another server</h3>
      <ol class="steps">
        <li>
          <strong>Here:</strong> export your pod (above) and save the archive.
        </li>
        <li>
          <strong>On the new server:</strong> create an account there and sign in to its Hearth page, then import the
          archive under Your data. <label for="move-server">The new server</label>{' '}
          <input
            id="move-server"
            type="url"
            placeholder="https://new.example/"
            value={server}
            onInput={(event) => setServer((event.currentTarget as HTMLInputElement).value)}
          />
          {newPage && (
            <>
              {' '}
              <a href={newPage} target="_blank" rel="noopener noreferrer">
                Open {newPage}
              </a>
            </>
          )}
          <br />
          There, confirm the move from your old WebID (your password for the new server is typed on its own pages, never
          here):
          <form
            onSubmit={(event) => {
              event.preventDefault();
              act(() => confirmMovedHere(actor, oldWebId.trim()), setConfirmed);
            }}
          >
            <label for="move-old">I moved here from</label>{' '}
            <input
              id="move-old"
              type="url"
              placeholder="old WebID"
              value={oldWebId}
              onInput={(event) => setOldWebId((event.currentTarget as HTMLInputElement).value)}
            />{' '}
            <button type="submit" id="move-confirm" disabled={busy || !oldWebId.trim()}>
              Confirm the move here
            </button>
          </form>
          {confirmed && (
            <p role="status" id="move-confirmed">
              This account now says it is also {oldWebId.trim()}; {confirmed.filter((f) => f.following).length} of{' '}
              {confirmed.length} people followed before are followed from here.
            </p>
          )}
        </li>
        <li>
          <strong>Back here:</strong> announce the move, which tells your followers.
          <form
            onSubmit={(event) => {
              event.preventDefault();
              act(() => announceMove(actor, newWebId.trim(), { publicFetch }), setAnnounced);
            }}
          >
            <label for="move-new">My new WebID</label>{' '}
            <input
              id="move-new"
              type="url"
              placeholder="https://new.example/you/profile/card#me"
              value={newWebId}
              onInput={(event) => setNewWebId((event.currentTarget as HTMLInputElement).value)}
            />{' '}
            <button type="submit" id="move-announce" disabled={busy || !newWebId.trim()}>
              Announce the move
            </button>
          </form>
          {announced && (
            <p role="status" id="move-announced">
              Your profile now says you moved to {announced.newWebId};{' '}
              {announced.followers.filter((f) => f.delivery.notified).length} of {announced.followers.length} followers
              were told.
              {announced.followersError ? ` Your followers could not be listed: ${announced.followersError}` : ''}
            </p>
          )}
        </li>
      </ol>
      {failure && (
        <p class="error" role="alert" id="move-error">
          {failure}
        </p>
      )}
    </section>
  );
}
