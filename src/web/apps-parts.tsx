// Small pieces of the Apps page: the inline confirmation every revocation asks for, dates, and how a grant's place and
// modes read. Everything here that someone else wrote (app names, client ids) is text.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PodOwner } from '../access/grants.js';
import type { GrantEntry } from '../access/record.js';

/**
 * Asks before an action: the question, a button that does it and one that cancels (focused first, so Enter on a
 * keyboard never revokes by accident; Escape cancels too). Cancelling puts the focus back where it was.
 */
export function Confirm(props: {
  question: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  const close = (): void => {
    props.onCancel();
    opener?.focus();
  };
  return (
    <div
      class="confirm"
      role="group"
      aria-label="Confirm"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && !props.busy) close();
      }}
    >
      <span class="question">{props.question}</span>
      <button type="button" class="confirm-revoke" disabled={props.busy} onClick={props.onConfirm}>
        {props.confirmLabel}
      </button>
      <button type="button" class="cancel" ref={cancel} disabled={props.busy} onClick={close}>
        Cancel
      </button>
    </div>
  );
}

/** A date for people, or the text given when there is none. */
export function when(iso: string | undefined, none = 'unknown'): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return none;
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A container as a path in the pod (`social/posts/`), or as it is when it lies elsewhere. */
export function relative(owner: Pick<PodOwner, 'podUrl'>, container: string): string {
  return container.startsWith(owner.podUrl) ? container.slice(owner.podUrl.length) || '/' : container;
}

/** Where a grant is: its area and path (`posts (social/posts/)`), or the path. */
export function place(owner: Pick<PodOwner, 'podUrl'>, grant: Pick<GrantEntry, 'area' | 'container'>): string {
  return grant.area ? `${grant.area} (${relative(owner, grant.container)})` : relative(owner, grant.container);
}

/** Modes as they read: `read + write`. */
export function modesText(modes: readonly string[]): string {
  return modes.length ? modes.join(' + ') : 'nothing';
}
