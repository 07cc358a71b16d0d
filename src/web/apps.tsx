// Apps on the owner's web page: pending access requests (approve, deny), every app with what it may do where, since
// when and when it was last used (revoke a grant, an app, every app), and the check of the record against the rules in
// force. The same library functions as `hearth apps requests|approve|deny|list|revoke|check`, acting as the owner
// through the page (`pageOwner`: the page's fetch, the real manager's client id in whatever is written). A client
// credential's deletion uses the browser's sign-in to the server's account pages, when there is one.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { readAppUse } from '../access/app-use.js';
import { podIssuerOf } from '../access/acr.js';
import { checkGrants, listGrants, type GrantDrift, type PodOwner, type Revocation } from '../access/grants.js';
import { browserAccountApi, pageOwner } from '../access/page-owner.js';
import type { AppRecord, GrantEntry } from '../access/record.js';
import {
  approveAccessRequest,
  denyAccessRequest,
  readAccessRequests,
  type AccessRequest,
  type AccessRequestList,
} from '../access/requests.js';
import { revokeAll, revokeApp, type AppRevocation, type RevokeOptions } from '../access/revoke.js';
import { AccountApiError } from '../account/account-api.js';
import type { PageProps } from './app.js';
import { RulesCheck } from './apps-check.js';
import { AppList, type RevokeActions, type Uses } from './apps-list.js';
import { modesText, place } from './apps-parts.js';
import { AccessRequests } from './apps-requests.js';
import { reason } from './session.js';

/** What the page shows, each part read on its own (one failing leaves the others). */
interface Shown {
  apps?: AppRecord[];
  appsError?: string;
  requests?: AccessRequestList;
  requestsError?: string;
  uses?: Uses;
  drifts?: GrantDrift[];
  driftsError?: string;
}

/** What the last action did, for the status line; `account`: a link to the server's account pages goes with it. */
interface Note {
  lines: string[];
  account?: boolean;
}

function describeRevocation(owner: PodOwner, revocation: Revocation): string {
  const { app, removed, remaining } = revocation;
  if (removed.length === 0) return `${app.name} had nothing to revoke there.`;
  return (
    `Revoked ${app.name}: ${removed.map((grant) => place(owner, grant)).join(', ')}` +
    (remaining.length
      ? `; it keeps ${remaining.map((grant) => `${modesText(grant.modes)} on ${place(owner, grant)}`).join(', ')}.`
      : '; it has no access left.')
  );
}

/** What a revocation did, credentials included, in words. */
function revocationNote(owner: PodOwner, result: AppRevocation, empty: string): Note {
  const lines = result.revocations.length ? result.revocations.map((r) => describeRevocation(owner, r)) : [empty];
  if (result.credentialsDeleted.length)
    lines.push(`Deleted the credential of ${result.credentialsDeleted.join(', ')}.`);
  const kept = result.credentialsKept;
  if (!kept) return { lines };
  const names = kept.names.join(', ');
  if (kept.error) {
    const why =
      kept.error instanceof AccountApiError ? `the server refused: ${kept.error.message}` : kept.error.message;
    lines.push(
      `The credential of ${names} remains (${why.replace(/\.$/u, '')}). Its access is revoked: revoke it again ` +
        'here to delete it, or delete it on your account page.',
    );
  } else {
    lines.push(
      `The credential of ${names} remains: it has no access left, but its secret still logs in. This browser is ` +
        'not signed in to your account on the server (or that sign-in has ended), so it could not be deleted: ' +
        'sign in on your account page and delete it there under client credentials, or revoke it again here once ' +
        'signed in there (or run `hearth apps revoke` with your password).',
    );
  }
  return { lines, account: true };
}

/** How to delete client credentials from here: the browser's account session, if it has one. */
async function credentialDeletion(owner: PodOwner, apps: AppRecord[]): Promise<RevokeOptions> {
  if (!apps.some((app) => app.kind === 'client-credential')) return {};
  const api = await browserAccountApi(owner.issuer ?? podIssuerOf(owner.podUrl));
  return api ? { deleteCredential: { api } } : {};
}

/** The Apps page. */
export function Apps(props: PageProps) {
  const { actor } = props;
  const [owner, setOwner] = useState<PodOwner>();
  const [ownerError, setOwnerError] = useState<string>();
  const [shown, setShown] = useState<Shown>({});
  /** Loads finished (shown as `data-loads`, for tests to wait on). */
  const [loads, setLoads] = useState(0);
  const [checking, setChecking] = useState(false);
  const [note, setNote] = useState<Note>();

  useEffect(() => {
    let current = true;
    pageOwner(actor).then(
      (found) => current && setOwner(found),
      (error: unknown) => current && setOwnerError(reason(error)),
    );
    return () => {
      current = false;
    };
  }, [actor]);

  const check = useCallback(async (who: PodOwner): Promise<void> => {
    setChecking(true);
    try {
      const drifts = await checkGrants(who);
      setShown((now) => ({ ...now, drifts, driftsError: undefined }));
    } catch (error: unknown) {
      setShown((now) => ({ ...now, drifts: undefined, driftsError: reason(error) }));
    } finally {
      setChecking(false);
    }
  }, []);

  /** Reads everything again; each part shows as soon as it is read. */
  const load = useCallback(
    async (who: PodOwner): Promise<void> => {
      const part = async <T,>(read: () => Promise<T>, ok: (value: T) => Shown, failed: (error: string) => Shown) => {
        try {
          const value = await read();
          setShown((now) => ({ ...now, ...ok(value) }));
        } catch (error: unknown) {
          setShown((now) => ({ ...now, ...failed(reason(error)) }));
        }
      };
      await Promise.all([
        part(
          () => listGrants(who),
          (apps) => ({ apps, appsError: undefined }),
          (appsError) => ({ apps: undefined, appsError }),
        ),
        part(
          () => readAccessRequests(who, { deadlineMs: 20_000 }),
          (requests) => ({ requests, requestsError: undefined }),
          (requestsError) => ({ requests: undefined, requestsError }),
        ),
        part(
          () => readAppUse(who),
          (known) => ({ uses: { known } }),
          (error) => ({ uses: { error } }),
        ),
        check(who),
      ]);
      setLoads((count) => count + 1);
    },
    [check],
  );

  useEffect(() => {
    if (owner) void load(owner);
  }, [owner, load]);

  if (ownerError || !owner) {
    return (
      <section class="apps">
        <h2>Apps</h2>
        <p role="status" class={ownerError ? 'error' : undefined}>
          {ownerError ? `Your apps cannot be managed from here: ${ownerError}` : 'Loading…'}
        </p>
      </section>
    );
  }

  /** Does an action, says what it did, and reads everything again. */
  const done = async (work: () => Promise<Note>): Promise<void> => {
    const said = await work();
    setNote(said);
    await load(owner);
  };

  const answer = async (request: AccessRequest, approve: boolean): Promise<void> =>
    done(async () => {
      if (!approve) {
        await denyAccessRequest(owner, request.id);
        return { lines: [`Denied ${request.app.name}'s request: nothing was granted.`] };
      }
      const { grants } = await approveAccessRequest(owner, request.id);
      return {
        lines: grants.map(
          (grant) => `${request.app.name} may now ${modesText(grant.modes)} on ${place(owner, grant)}.`,
        ),
      };
    });

  const revoke: RevokeActions = {
    grant: async (app: AppRecord, grant: GrantEntry) =>
      done(async () =>
        revocationNote(owner, await revokeApp(owner, app.id, { parts: [{ target: grant.container }] }), ''),
      ),
    app: async (app: AppRecord) =>
      done(async () =>
        revocationNote(
          owner,
          await revokeApp(owner, app.id, await credentialDeletion(owner, [app])),
          `${app.name} had no access; it is no longer listed.`,
        ),
      ),
    all: async () =>
      done(async () =>
        revocationNote(
          owner,
          await revokeAll(owner, await credentialDeletion(owner, shown.apps ?? [])),
          'No app had any access.',
        ),
      ),
  };

  const account = new URL('.account/', owner.issuer ?? podIssuerOf(owner.podUrl)).href;
  return (
    <section class="apps" data-loads={loads}>
      <div class="apps-top">
        <h2>Apps</h2>
        <button type="button" id="refresh-apps" onClick={() => void load(owner)}>
          Refresh
        </button>
      </div>
      <p class="muted intro">
        Every app you let into your pod, and what it may do there: the pod server enforces it, whatever the app says.
      </p>
      <div class="apps-note" role="status" aria-live="polite">
        {note?.lines.map((line, index) => (
          <p key={index}>{line}</p>
        ))}
        {note?.account && (
          <p>
            <a href={account}>Your account page</a> (the server’s own, where client credentials can be deleted)
          </p>
        )}
      </div>
      <AccessRequests owner={owner} list={shown.requests} error={shown.requestsError} onAnswer={answer} />
      <AppList owner={owner} apps={shown.apps} error={shown.appsError} uses={shown.uses} revoke={revoke} />
      <RulesCheck
        owner={owner}
        apps={shown.apps}
        drifts={shown.drifts}
        error={shown.driftsError}
        busy={checking}
        onCheck={() => void check(owner)}
      />
    </section>
  );
}
