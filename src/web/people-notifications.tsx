// Notifications on People: one bounded look at the inbox, each claim checked against its sender's pod, verified
// deletions and moves of people followed acted on, and clearing: the CLI's `hearth notifications [--clear|--clear-all]`
// with the same library calls. Everything a sender wrote (names, URLs, reasons) is shown as text.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { actOnNotices, type NoticeAction } from '../social/follows.js';
import {
  clearNotifications,
  maxInboxItems,
  type ClearResult,
  type InboxReport,
  type Notification,
} from '../social/notifications.js';
import type { Actor } from '../social/self.js';
import { cleanText } from '../text.js';
import { PersonLabel } from './people-profile.js';
import { useRead } from './people-read.js';
import { SafeLink } from './post.js';
import { reason } from './session.js';

/** One look at the inbox and what acting on it did. */
interface Look {
  report: InboxReport;
  acted: NoticeAction[];
  /** Why the verified deletions and moves could not be acted on. */
  actFailure?: string;
}

/** Someone else's words (reasons name their URLs): one line, bounded. */
function plain(text: string | undefined): string {
  return cleanText(text ?? '', 300);
}

/** A date as people read it; a sender's date that is no date, as they gave it (one line, bounded). */
function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? cleanText(iso, 40)
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** What a notification says happened, after who did it. */
function What(props: { n: Notification }) {
  const { n } = props;
  const post = n.verified ? 'your post' : 'a post';
  switch (n.kind) {
    case 'like':
      return <>liked {n.object ? <SafeLink href={n.object}>{post}</SafeLink> : post}</>;
    case 'reply':
      return (
        <>
          replied to {n.object ? <SafeLink href={n.object}>{post}</SafeLink> : post} (
          <SafeLink href={n.activity}>their reply</SafeLink>)
        </>
      );
    case 'follow':
      return <>followed you</>;
    case 'undo':
      return (
        <>
          took back <SafeLink href={n.activity}>{plain(n.activity)}</SafeLink>
        </>
      );
    case 'delete':
      return <>deleted their account</>;
    case 'move':
      return <>moved to {n.target ? <SafeLink href={n.target}>{plain(n.target)}</SafeLink> : 'nowhere named'}</>;
  }
}

/** One notification: its kind, who, what, when, and why it is not believed. */
function NotificationItem(props: { n: Notification }) {
  const { n } = props;
  const at = n.received ?? n.published;
  return (
    <li class="notification" data-kind={n.kind} data-verified={String(n.verified)}>
      <div class="notification-line">
        <span class="notification-kind">{n.kind}</span>
        <PersonLabel webId={n.actor} name={n.actorName} />
        <span class="what">
          <What n={n} />
        </span>
        {at && <time dateTime={at}>{when(at)}</time>}
      </div>
      {!n.verified && (
        <p class="unverified">
          {n.unchecked ? 'Could not be checked yet (it stays for another look)' : 'Unverified'}: {plain(n.reason)}
        </p>
      )}
    </li>
  );
}

/** What acting on a verified deletion or move did, in one sentence. */
function actionLine(a: NoticeAction): string {
  const who = a.name ? `${plain(a.name)} (${a.webId})` : a.webId;
  if (a.notice === 'delete') return `${who} deleted their account: you no longer follow them.`;
  return a.done
    ? `${who} moved to ${a.to}: you now follow ${a.to}.`
    : `${who} moved to ${a.to}, but it could not be followed (${plain(a.reason)}): you still follow them.`;
}

/** What else the look at the inbox found, and what clearing did (the CLI's notes, in the page's words). */
function inboxNotes(report: InboxReport, cleared?: ClearResult): string[] {
  const notes: string[] = [];
  const junk = report.others.filter((o) => o.junk);
  const otherKinds = report.others.length - junk.length;
  const unchecked = report.notifications.filter((n) => n.unchecked).length;
  if (junk.length) {
    const reasons = [...new Set(junk.map((o) => plain(o.reason.replace(/[:(].*$/u, ''))))].slice(0, 3);
    notes.push(`${junk.length} junk item(s) in your inbox (${reasons.join('; ')}).`);
  }
  if (otherKinds) notes.push(`${otherKinds} item(s) of other kinds (not social notifications).`);
  if (unchecked)
    notes.push(`${unchecked} claim(s) could not be checked (the sender's server silent or slow): they stay for later.`);
  if (report.unread) notes.push(`${report.unread} older item(s) not read (at most ${maxInboxItems} at a time).`);
  if (report.truncated) notes.push('Your inbox holds too many items to list at once: only part of it was looked at.');
  if (cleared) {
    notes.push(`Cleared ${cleared.cleared} notification(s) and removed ${cleared.removed} other item(s).`);
    if (cleared.kept)
      notes.push(
        `Kept ${cleared.kept} item(s): unchecked claims and items of other kinds stay unless you clear all ` +
          '(access requests always stay).',
      );
  } else if (junk.length || report.unread || report.truncated) {
    notes.push('Clear removes the junk, so that older items come up.');
  }
  return notes;
}

/**
 * The notifications of `inbox` (People's one look at it), newest first, and the buttons that clear them; `onCleared`
 * asks for a new look, `onActed` is called when follows changed.
 */
export function Notifications(props: {
  actor: Actor;
  inbox: Promise<InboxReport>;
  onCleared: () => void;
  onActed: () => void;
}) {
  const { actor, inbox, onCleared, onActed } = props;
  const load = useCallback(async (): Promise<Look> => {
    const report = await inbox;
    // Verified deletions and moves of people followed are acted on, as the CLI does; never unverified ones.
    try {
      return { report, acted: await actOnNotices(actor, report) };
    } catch (error: unknown) {
      return { report, acted: [], actFailure: `Deletions and moves could not be acted on: ${reason(error)}` };
    }
  }, [actor, inbox]);
  const look = useRead(load);
  const [mode, setMode] = useState<'idle' | 'confirm-all' | 'busy'>('idle');
  const [cleared, setCleared] = useState<ClearResult>();
  const [failure, setFailure] = useState<string>();
  useEffect(() => {
    if (look.value?.acted.length) onActed();
  }, [look.value, onActed]);

  const clear = async (all: boolean): Promise<void> => {
    if (!look.value) return;
    setMode('busy');
    setFailure(undefined);
    try {
      // Exactly what is shown is recorded and removed (each item only if unchanged since it was read).
      setCleared(await clearNotifications(actor, { all }, look.value.report));
      onCleared();
    } catch (error: unknown) {
      setFailure(`Could not clear your notifications: ${reason(error)}`);
    } finally {
      setMode('idle');
    }
  };

  const value = look.value;
  const list = value?.report.notifications ?? [];
  const busy = look.loading || mode === 'busy';
  return (
    <section
      class="notifications"
      aria-labelledby="notifications-title"
      aria-busy={look.loading}
      data-reads={look.reads}
    >
      <h3 id="notifications-title">Notifications</h3>
      {look.loading && !value && <p role="status">Reading your inbox and checking each claim…</p>}
      {look.error && (
        <p class="error" role="alert">
          Could not read your notifications: {look.error}
        </p>
      )}
      {value && list.length === 0 && <p>No notifications.</p>}
      {list.length > 0 && (
        <ul class="notification-list">
          {list.map((n) => (
            <NotificationItem key={n.url} n={n} />
          ))}
        </ul>
      )}
      {value && (
        <ul class="notes">
          {value.acted.map((a) => (
            <li key={`${a.notice} ${a.webId}`}>{actionLine(a)}</li>
          ))}
          {value.actFailure && <li class="error">{value.actFailure}</li>}
          {value.report.requests > 0 && (
            <li>
              {value.report.requests} access request(s): see <a href="#/apps">Apps</a>.
            </li>
          )}
          {inboxNotes(value.report, cleared).map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {value && (list.length > 0 || value.report.others.length > 0) && (
        <div class="actions" role="group" aria-label="Clear notifications">
          <button
            type="button"
            id="notifications-clear"
            disabled={busy}
            aria-describedby="notifications-clear-hint"
            onClick={() => void clear(false)}
          >
            {mode === 'busy' ? 'Clearing…' : 'Clear'}
          </button>
          <button type="button" id="notifications-clear-all" disabled={busy} onClick={() => setMode('confirm-all')}>
            Clear all…
          </button>
          <small id="notifications-clear-hint">
            Clear keeps your like and reply counts and your followers, and removes these and the junk from your inbox.
          </small>
        </div>
      )}
      {mode === 'confirm-all' && (
        <div class="confirm" role="group" aria-label="Confirm clearing all">
          <span>
            Also remove claims that could not be checked and items of other kinds? Access requests always stay.
          </span>
          <button type="button" id="notifications-clear-all-yes" onClick={() => void clear(true)}>
            Yes, clear all
          </button>
          <button type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </div>
      )}
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
    </section>
  );
}
