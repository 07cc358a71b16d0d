// Profiles on People: the owner's own (name, bio, avatar), shown and changed with the library's setProfile as the CLI's
// `hearth profile show` and `profile set` do; and anyone else's, read without credentials, every word of it text.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getProfile, type Profile } from '../social/discovery.js';
import { acceptedImageTypes } from '../social/images.js';
import { maxImageBytes, type ImageInput } from '../social/posts.js';
import { maxBioLength, maxNameLength, maxShownNameLength, setProfile } from '../social/profile.js';
import type { Actor } from '../social/self.js';
import { cleanText, safeForTerminal } from '../text.js';
import { useImageUrl } from './images.js';
import { SafeLink } from './post.js';
import { publicFetch, reason } from './session.js';

/** Reads a picked file as an image input (bounded first; its bytes decide its type: the library sniffs them). */
async function imageOf(file: File): Promise<ImageInput> {
  if (file.size > maxImageBytes) throw new Error(`Images may have at most ${maxImageBytes / 1024 / 1024} MB.`);
  return { data: new Uint8Array(await file.arrayBuffer()), mediaType: file.type };
}

/** An avatar, read with the library's bounded image read and shown from a `blob:` URL; a failure is said plainly. */
export function Avatar(props: { url: string; alt: string }) {
  const { src, failed } = useImageUrl(props.url);
  if (failed) return <p class="image-note">The avatar could not be shown: {failed}</p>;
  if (!src) return <p class="image-note">Loading avatar…</p>;
  return <img class="avatar" src={src} alt={props.alt} />;
}

/** The owner's profile and the form that changes it; on an error the form keeps everything typed and picked. */
export function OwnProfile(props: { actor: Actor }) {
  const { actor } = props;
  const [saved, setSaved] = useState<Profile>();
  const [failure, setFailure] = useState<string>();
  const [name, setName] = useState('');
  const [bio, setBio] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const file = useRef<HTMLInputElement>(null);

  const show = (profile: Profile): void => {
    setSaved(profile);
    setName(profile.name ?? '');
    setBio(profile.bio ?? '');
  };
  const load = useCallback(() => {
    let current = true;
    setFailure(undefined);
    getProfile(actor.fetch, actor.webId).then(
      (profile) => current && show(profile),
      (problem: unknown) => current && setFailure(`Could not read your profile: ${reason(problem)}`),
    );
    return () => {
      current = false;
    };
  }, [actor]);
  useEffect(load, [load]);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (!saved) return;
    setBusy(true);
    setError(undefined);
    setNote(undefined);
    try {
      const picked = file.current?.files?.[0];
      const avatar = picked ? await imageOf(picked) : undefined;
      // Only what changed is written: a name or bio another app keeps differently stays as it is.
      show(
        await setProfile(actor, {
          ...(name !== (saved.name ?? '') ? { name } : {}),
          ...(bio !== (saved.bio ?? '') ? { bio } : {}),
          ...(avatar ? { avatar } : {}),
        }),
      );
      if (file.current) file.current.value = '';
      setNote('Your profile is saved.');
    } catch (problem: unknown) {
      setError(reason(problem));
    } finally {
      setBusy(false);
    }
  };

  if (!saved) {
    return (
      <div class="profile" data-state={failure ? 'failed' : 'loading'}>
        <p role="status">{failure ?? 'Reading your profile…'}</p>
        {failure && (
          <button type="button" onClick={load}>
            Try again
          </button>
        )}
      </div>
    );
  }
  return (
    <form class="profile" data-state="ready" onSubmit={(event) => void save(event)}>
      <div class="profile-head">
        {saved.avatar ? <Avatar url={saved.avatar} alt="Your avatar" /> : <p class="image-note">No avatar yet.</p>}
        <p class="person-webid">
          <SafeLink href={actor.webId}>{actor.webId}</SafeLink>
        </p>
      </div>
      <div class="field">
        <label for="profile-name">Name</label>
        <input
          id="profile-name"
          type="text"
          autocomplete="nickname"
          value={name}
          aria-describedby="profile-name-hint"
          onInput={(event) => setName(event.currentTarget.value)}
          disabled={busy}
        />
        <small id="profile-name-hint">Any name you like, at most {maxNameLength} characters. Anyone can read it.</small>
      </div>
      <div class="field">
        <label for="profile-bio">Bio</label>
        <textarea
          id="profile-bio"
          rows={3}
          value={bio}
          aria-describedby="profile-bio-hint"
          onInput={(event) => setBio(event.currentTarget.value)}
          disabled={busy}
        />
        <small id="profile-bio-hint">At most {maxBioLength} characters.</small>
      </div>
      <div class="field">
        <label for="profile-avatar">New avatar (optional)</label>
        <input
          id="profile-avatar"
          type="file"
          ref={file}
          accept={Object.keys(acceptedImageTypes).join(',')}
          aria-describedby="profile-avatar-hint"
          disabled={busy}
        />
        <small id="profile-avatar-hint">PNG, JPEG, GIF, WebP or AVIF, at most {maxImageBytes / 1024 / 1024} MB.</small>
      </div>
      <div class="actions">
        <button type="submit" id="profile-save" disabled={busy}>
          {busy ? 'Saving…' : 'Save profile'}
        </button>
        <span role="status" aria-live="polite">
          {note ?? ''}
        </span>
      </div>
      {error && (
        <p class="error" role="alert" id="profile-error">
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * Someone's public profile (the CLI's `hearth profile show WEBID`), read without credentials: their name (cleaned, one
 * line), bio (no control characters, bounded) and avatar (bounded read, `blob:` URL), all of it text.
 */
export function PersonProfile(props: { webId: string; id: string }) {
  const [state, setState] = useState<{ profile?: Profile; error?: string }>({});
  useEffect(() => {
    const stop = new AbortController();
    setState({});
    getProfile(publicFetch, props.webId, { signal: stop.signal }).then(
      (profile) => !stop.signal.aborted && setState({ profile }),
      (error: unknown) =>
        !stop.signal.aborted && setState({ error: `Could not read the profile of ${props.webId}: ${reason(error)}` }),
    );
    return () => stop.abort();
  }, [props.webId]);
  const { profile, error } = state;
  if (!profile) {
    return (
      <div class="person-profile" id={props.id} role="status">
        {error ?? 'Reading their profile…'}
      </div>
    );
  }
  const name = cleanText(profile.name ?? '', maxShownNameLength);
  const bio = safeForTerminal(profile.bio ?? '')
    .trim()
    .slice(0, maxBioLength);
  return (
    <div class="person-profile" id={props.id}>
      {profile.avatar && /^https?:\/\//iu.test(profile.avatar) && (
        <Avatar url={profile.avatar} alt={name ? `Avatar of ${name}` : 'Their avatar'} />
      )}
      <p class="profile-name">{name || '(no name)'}</p>
      {bio ? <p class="bio">{bio}</p> : <p class="image-note">No bio.</p>}
    </div>
  );
}

/** A person as the lists show them: their name when known (someone else's text, cleaned), and their WebID. */
export function PersonLabel(props: { webId: string; name?: string | undefined }) {
  const name = cleanText(props.name ?? '', maxShownNameLength);
  return (
    <span class="person-label">
      {name && <span class="person-name">{name}</span>}
      <span class="person-webid">
        <SafeLink href={props.webId}>{props.webId}</SafeLink>
      </span>
    </span>
  );
}
