// Access requests on the Apps page: what each app asks for, exactly, on which part of the pod, and why in its own
// words (text only), with Approve (grants exactly that, as `hearth apps approve`) and Deny.
import { useState } from 'preact/hooks';
import { resolveTarget, type PodOwner } from '../access/grants.js';
import type { AccessRequest, AccessRequestList } from '../access/requests.js';
import { modesText, relative, when } from './apps-parts.js';
import { reason } from './session.js';

/** Where a request's target is in the pod, when it names a place there. */
function targetText(owner: PodOwner, target: string): string {
  try {
    const { container, area } = resolveTarget(owner.podUrl, target);
    return area ? `${area} (${relative(owner, container)})` : relative(owner, container);
  } catch (error: unknown) {
    if (!(error instanceof Error)) throw error;
    return target; // Not a place that can be granted: the request says why under `problem`.
  }
}

/** One pending request, with its buttons. */
function RequestCard(props: {
  owner: PodOwner;
  request: AccessRequest;
  onAnswer: (request: AccessRequest, approve: boolean) => Promise<void>;
}) {
  const { owner, request } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const answer = async (approve: boolean): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onAnswer(request, approve);
    } catch (failure: unknown) {
      setError(reason(failure));
      setBusy(false);
    }
  };
  const title = `request-${request.id}`;
  /** The agent it says it acts for, when that is not the owner (their own apps' requests say the owner). */
  const foreign = request.from && request.from !== owner.webId ? request.from : undefined;
  return (
    <article class="request" data-id={request.id} aria-labelledby={title}>
      <header>
        <h4 id={title} class="app-name">
          {request.app.name}
        </h4>
        {!request.app.known && <span class="badge">new app</span>}
      </header>
      <p class="client-id">{request.clientId}</p>
      <p class="asks">It asks to:</p>
      <ul class="needs">
        {request.needs.map((need, index) => (
          <li key={index}>
            <span class="modes">{modesText(need.modes)}</span> on{' '}
            <span class="where">{targetText(owner, need.target)}</span>
          </li>
        ))}
      </ul>
      <p class="why">
        {request.reason ? (
          <>
            Why, in its words: <q class="reason">{request.reason}</q>
          </>
        ) : (
          'It gives no reason.'
        )}
      </p>
      {(foreign || request.published) && (
        <p class="sent">
          {foreign ? `Sent for ${request.from}` : 'Sent'}
          {request.published ? ` ${when(request.published, request.published)} (the date it gives)` : ''}
        </p>
      )}
      {request.problem && <p class="error problem">It cannot be approved: {request.problem}.</p>}
      <div class="actions">
        <button
          type="button"
          class="approve"
          disabled={busy || Boolean(request.problem)}
          onClick={() => void answer(true)}
        >
          Approve
        </button>
        <button type="button" class="deny" disabled={busy} onClick={() => void answer(false)}>
          Deny
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}

/** The pending access requests, newest first, and what could not be looked at. */
export function AccessRequests(props: {
  owner: PodOwner;
  list: AccessRequestList | undefined;
  error: string | undefined;
  onAnswer: (request: AccessRequest, approve: boolean) => Promise<void>;
}) {
  const { owner, list, error } = props;
  return (
    <section class="requests" aria-labelledby="requests-title">
      <h3 id="requests-title">Access requests</h3>
      {error && <p class="error">Your access requests could not be read: {error}</p>}
      {!list && !error && <p class="muted">Loading…</p>}
      {list && list.requests.length === 0 && <p class="muted">No app is waiting for an answer.</p>}
      {list?.requests.map((request) => (
        <RequestCard key={request.id} owner={owner} request={request} onAnswer={props.onAnswer} />
      ))}
      {list && list.late > 0 && (
        <p class="muted">{list.late} app(s) named by their address: their own description was not read in time.</p>
      )}
      {list && list.unread > 0 && (
        <p class="muted">
          {list.unread} older inbox item(s) not read: answer these, and clear your notifications, to see them.
        </p>
      )}
      {list?.truncated && <p class="muted">Your inbox holds too many items: only part of it was looked at.</p>}
    </section>
  );
}
