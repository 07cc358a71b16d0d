// The owner's apps on the Apps page: each with its name, client id or homepage, when it was added and last used, and
// its grants (where, which modes, since when); revoke one grant, one app or every app, each after a confirmation.
import { useState } from 'preact/hooks';
import type { PodOwner } from '../access/grants.js';
import type { AppRecord, GrantEntry } from '../access/record.js';
import { useAction } from './action.js';
import { Confirm, modesText, place, when } from './apps-parts.js';
import { SafeLink } from './post.js';

/** What the list does when the owner confirms. */
export interface RevokeActions {
  grant(app: AppRecord, grant: GrantEntry): Promise<void>;
  app(app: AppRecord): Promise<void>;
  all(): Promise<void>;
}

/** When apps were last used: client id → ISO date, or why it is not known. */
export type Uses = { known: Map<string, string> } | { error: string } | undefined;

type Asking = { kind: 'app' } | { kind: 'grant'; container: string } | undefined;

function lastUsed(uses: Uses, app: AppRecord): string {
  if (!uses) return 'Loading…';
  if ('error' in uses) return 'unknown';
  const at = uses.known.get(app.id);
  return at ? when(at) : 'not since the server began recording';
}

/** One app and its grants. */
function AppCard(props: { owner: PodOwner; app: AppRecord; uses: Uses; revoke: RevokeActions }) {
  const { owner, app, uses, revoke } = props;
  const [asking, setAsking] = useState<Asking>();
  const action = useAction();
  const { busy, error } = action;
  const act = async (work: () => Promise<void>): Promise<void> =>
    action.act(async () => {
      await work();
      setAsking(undefined);
    });
  const credential = app.kind === 'client-credential';
  const title = `app-${app.id}`;
  return (
    <article class="app" data-id={app.id} aria-labelledby={title}>
      <header>
        <h4 id={title} class="app-name">
          {app.name}
        </h4>
        <span class="kind">{credential ? 'client credential' : 'Solid app (Client ID Document)'}</span>
      </header>
      <dl class="facts">
        <dt>Client id</dt>
        <dd class="client-id">{app.id}</dd>
        {app.homepage && (
          <>
            <dt>Homepage</dt>
            <dd class="homepage">
              <SafeLink href={app.homepage}>{app.homepage}</SafeLink>
            </dd>
          </>
        )}
        <dt>Added</dt>
        <dd class="added">{when(app.since)}</dd>
        <dt>Last used</dt>
        <dd class="last-used">{lastUsed(uses, app)}</dd>
      </dl>
      {app.grants.length ? (
        <ul class="grants" aria-label={`What ${app.name} may do`}>
          {app.grants.map((grant) => {
            const where = place(owner, grant);
            const modes = modesText(grant.modes);
            return (
              <li key={grant.container} class="grant" data-container={grant.container}>
                <span class="grant-text">
                  <span class="modes">{modes}</span> on <span class="where">{where}</span>{' '}
                  <span class="since">since {when(grant.since)}</span>
                </span>
                <button
                  type="button"
                  class="revoke-grant"
                  disabled={busy}
                  aria-label={`Revoke ${modes} on ${where}`}
                  onClick={() => setAsking({ kind: 'grant', container: grant.container })}
                >
                  Revoke
                </button>
                {asking?.kind === 'grant' && asking.container === grant.container && (
                  <Confirm
                    question={`Take back ${modes} on ${where} from ${app.name}? Its next request there is refused.`}
                    confirmLabel="Yes, revoke"
                    busy={busy}
                    onConfirm={() => void act(() => revoke.grant(app, grant))}
                    onCancel={() => setAsking(undefined)}
                  />
                )}
              </li>
            );
          })}
        </ul>
      ) : (
        <p class="no-access muted">No access.</p>
      )}
      <div class="actions">
        <button type="button" class="revoke-app" disabled={busy} onClick={() => setAsking({ kind: 'app' })}>
          {app.grants.length ? 'Revoke this app' : 'Remove this app'}
        </button>
      </div>
      {asking?.kind === 'app' && (
        <Confirm
          question={
            `Cut ${app.name} off? It loses all its access at once and leaves this list` +
            (credential ? '; its client credential is deleted too, if this browser is signed in to your account.' : '.')
          }
          confirmLabel="Yes, revoke the app"
          busy={busy}
          onConfirm={() => void act(() => revoke.app(app))}
          onCancel={() => setAsking(undefined)}
        />
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}

/** Every app of the owner's record, and revoking them all. */
export function AppList(props: {
  owner: PodOwner;
  apps: AppRecord[] | undefined;
  error: string | undefined;
  uses: Uses;
  revoke: RevokeActions;
}) {
  const { owner, apps, error, uses, revoke } = props;
  const [asking, setAsking] = useState(false);
  const { busy, error: failure, act } = useAction();
  const all = async (): Promise<void> =>
    act(async () => {
      await revoke.all();
      setAsking(false);
    });
  return (
    <section class="app-list" aria-labelledby="apps-title">
      <h3 id="apps-title">Your apps</h3>
      {error && <p class="error">Your apps could not be read: {error}</p>}
      {!apps && !error && <p class="muted">Loading…</p>}
      {apps && apps.length === 0 && (
        <p class="muted">No apps yet: approve an app’s request above, or add one with `hearth apps add`.</p>
      )}
      {uses && 'error' in uses && <p class="muted">When your apps were last used is not known: {uses.error}</p>}
      {apps?.map((app) => (
        <AppCard key={app.id} owner={owner} app={app} uses={uses} revoke={revoke} />
      ))}
      {apps && apps.length > 0 && (
        <div class="revoke-all">
          <button type="button" id="revoke-all" disabled={busy} onClick={() => setAsking(true)}>
            Revoke every app
          </button>
          {asking && (
            <Confirm
              question={`Cut every app off (${apps.length})? Each loses all its access at once.`}
              confirmLabel="Yes, revoke every app"
              busy={busy}
              onConfirm={() => void all()}
              onCancel={() => setAsking(false)}
            />
          )}
          {failure && (
            <p class="error" role="alert">
              {failure}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
