// People: the owner's profile, following someone by WebID, whom they follow (with Unfollow), their followers and their
// notifications. The CLI's `hearth profile`, `follow`, `unfollow`, `following`, `followers` and `notifications`, with
// the same library calls; other people's pods are read without credentials, and what they say is shown as text.
import type { ComponentChildren } from 'preact';
import { useCallback, useMemo, useRef, useState } from 'preact/hooks';
import { follow, readOwnFollowing, unfollow, type Follow } from '../social/follows.js';
import type { Delivery } from '../social/notify.js';
import { fold, followersOf, readNotifications, readRecord } from '../social/notifications.js';
import { readNames } from '../social/profile.js';
import type { Actor } from '../social/self.js';
import type { PageProps } from './app.js';
import { Notifications } from './people-notifications.js';
import { OwnProfile, PersonLabel, PersonProfile } from './people-profile.js';
import { useRead, type Reading } from './people-read.js';
import { publicFetch, reason } from './session.js';

/** A follower: their WebID and their name, when their profile gives one in time. */
interface Follower {
  webId: string;
  name?: string;
}

/** The CLI's note on a notification that did not arrive. */
function deliveryNote(delivery: Delivery): string {
  return delivery.notified ? '' : ` (not notified: ${delivery.reason})`;
}

let people = 0;

/** A person of a list: who, a button showing their public profile, and what else may be done (Unfollow). */
function Person(props: { webId: string; name?: string | undefined; children?: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  const [id] = useState(() => `person-${++people}`);
  return (
    <li class="person" data-webid={props.webId}>
      <div class="person-line">
        <PersonLabel webId={props.webId} name={props.name} />
        <span class="actions">
          <button
            type="button"
            class="show-profile"
            aria-expanded={open}
            aria-controls={id}
            onClick={() => setOpen(!open)}
          >
            Profile
          </button>
          {props.children}
        </span>
      </div>
      {open && <PersonProfile webId={props.webId} id={id} />}
    </li>
  );
}

/** The form that follows someone by WebID; a failure is the library's own words, and the WebID stays typed. */
function FollowForm(props: { actor: Actor; onFollowed: (followed: Follow, note: string) => void }) {
  const [webId, setWebId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const result = await follow(props.actor, webId.trim());
      setWebId('');
      props.onFollowed(
        result.follow,
        `Following ${result.follow.object}.` +
          (result.movedFrom ? ` (${result.movedFrom} moved there)` : '') +
          (result.warning ? ` (${result.warning})` : '') +
          deliveryNote(result.delivery),
      );
    } catch (problem: unknown) {
      setError(reason(problem));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="follow-form" onSubmit={(event) => void submit(event)}>
      <label for="follow-webid">Follow someone by their WebID</label>
      <div class="follow-row">
        <input
          id="follow-webid"
          type="text"
          inputMode="url"
          autocomplete="off"
          spellcheck={false}
          placeholder="https://pods.example/bob/profile/card#me"
          value={webId}
          aria-describedby={error ? 'follow-error' : undefined}
          onInput={(event) => setWebId(event.currentTarget.value)}
          disabled={busy}
        />
        <button type="submit" id="follow-submit" disabled={busy || webId.trim() === ''}>
          {busy ? 'Following…' : 'Follow'}
        </button>
      </div>
      {error && (
        <p class="error" role="alert" id="follow-error">
          {error}
        </p>
      )}
    </form>
  );
}

/** Whom the owner follows, each with Unfollow. */
function Following(props: { actor: Actor; following: Reading<Follow[]>; onNote: (note: string) => void }) {
  const { actor, following, onNote } = props;
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);
  const stop = async (webId: string): Promise<void> => {
    setBusy(webId);
    setError(undefined);
    try {
      const { delivery } = await unfollow(actor, webId);
      following.update((list) => list.filter((f) => f.object !== webId));
      onNote(`No longer following ${webId}.${deliveryNote(delivery)}`);
      heading.current?.focus(); // the button pressed is gone: focus stays in the list's section
    } catch (problem: unknown) {
      setError(`Could not unfollow ${webId}: ${reason(problem)}`);
    } finally {
      setBusy(undefined);
    }
  };
  // One entry per person (an old list may hold two follows of someone).
  const list = [...new Map((following.value ?? []).map((f) => [f.object, f])).values()];
  return (
    <section
      class="following"
      aria-labelledby="following-title"
      aria-busy={following.loading}
      data-reads={following.reads}
    >
      <h3 id="following-title" tabIndex={-1} ref={heading}>
        Following{following.value ? ` (${list.length})` : ''}
      </h3>
      {following.loading && !following.value && <p role="status">Reading whom you follow…</p>}
      {following.error && (
        <p class="error" role="alert">
          Could not read whom you follow: {following.error}
        </p>
      )}
      {following.value && list.length === 0 && <p>You follow nobody yet.</p>}
      {list.length > 0 && (
        <ul class="people-list">
          {list.map((f) => (
            <Person key={f.object} webId={f.object} name={f.name}>
              <button
                type="button"
                class="unfollow"
                aria-label={`Unfollow ${f.name ?? f.object}`}
                disabled={busy !== undefined}
                onClick={() => void stop(f.object)}
              >
                {busy === f.object ? 'Unfollowing…' : 'Unfollow'}
              </button>
            </Person>
          ))}
        </ul>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** Who follows the owner (verified follows, not undone), by name when their profiles give one in time. */
function Followers(props: { followers: Reading<Follower[]> }) {
  const { followers } = props;
  return (
    <section
      class="followers"
      aria-labelledby="followers-title"
      aria-busy={followers.loading}
      data-reads={followers.reads}
    >
      <h3 id="followers-title">Followers{followers.value ? ` (${followers.value.length})` : ''}</h3>
      {followers.loading && !followers.value && <p role="status">Reading your followers…</p>}
      {followers.error && (
        <p class="error" role="alert">
          Could not read your followers: {followers.error}
        </p>
      )}
      {followers.value && followers.value.length === 0 && <p>Nobody follows you yet.</p>}
      {followers.value && followers.value.length > 0 && (
        <ul class="people-list">
          {followers.value.map((f) => (
            <Person key={f.webId} webId={f.webId} name={f.name} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** People. */
export function People(props: PageProps) {
  const { actor } = props;
  const [note, setNote] = useState('');
  const readFollowing = useCallback(() => readOwnFollowing(actor), [actor]);
  // One look at the inbox (each sender's pod checked once) for both the followers and the notifications.
  const [inboxRound, setInboxRound] = useState(0);
  const inbox = useMemo(() => {
    const reading = readNotifications(actor, { names: true });
    reading.catch(() => undefined); // Each reader of it says why it failed.
    return reading;
  }, [actor, inboxRound]);
  const readFollowers = useCallback(async (): Promise<Follower[]> => {
    const webIds = followersOf(fold(await readRecord(actor), (await inbox).notifications));
    const names = await readNames(publicFetch, webIds);
    return webIds.map((webId) => ({ webId, ...(names.has(webId) ? { name: names.get(webId)! } : {}) }));
  }, [actor, inbox]);
  const following = useRead(readFollowing);
  const followers = useRead(readFollowers);
  const [notificationsRound, setNotificationsRound] = useState(0);
  const readInboxAgain = useCallback(() => setInboxRound((round) => round + 1), []);
  const refresh = (): void => {
    setNote('');
    following.reload();
    readInboxAgain();
    setNotificationsRound((round) => round + 1);
  };
  const loading = following.loading || followers.loading;

  return (
    <section class="people" aria-labelledby="people-title">
      <h2 id="people-title">People</h2>
      <section class="own-profile" aria-labelledby="profile-title">
        <h3 id="profile-title">Your profile</h3>
        <OwnProfile actor={actor} />
      </section>
      <div class="toolbar">
        <button type="button" id="people-refresh" onClick={refresh} disabled={loading}>
          Refresh
        </button>
        <span role="status" aria-live="polite" id="people-note">
          {loading ? 'Reading pods…' : note}
        </span>
      </div>
      <FollowForm
        actor={actor}
        onFollowed={(followed, said) => {
          following.update((list) => [...list.filter((f) => f.object !== followed.object), followed]);
          setNote(said);
        }}
      />
      <Following actor={actor} following={following} onNote={setNote} />
      <Followers followers={followers} />
      <Notifications
        key={notificationsRound}
        actor={actor}
        inbox={inbox}
        onCleared={readInboxAgain}
        onActed={following.reload}
      />
    </section>
  );
}
