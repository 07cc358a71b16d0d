// One post of the timeline. Everything in it that someone else wrote (the text, the author's name, URLs) is set as
// text or as a checked http(s) link, never as HTML; images come from `blob:` URLs (images.ts).
import { useState } from 'preact/hooks';
import type { Attachment, Post } from '../social/model.js';
import { useAction } from './action.js';
import { Compose, type Draft } from './compose.js';
import { useImageUrl } from './images.js';

/** What the timeline does for a post's buttons. */
export interface PostActions {
  like(post: Post): Promise<void>;
  unlike(post: Post): Promise<void>;
  reply(post: Post, draft: Draft): Promise<void>;
  edit(post: Post, content: string): Promise<void>;
  remove(post: Post): Promise<void>;
}

/** A URL someone else gave, as a link only when it is http(s) (never `javascript:` and the like). */
export function SafeLink(props: { href: string; children: string }) {
  return /^https?:\/\//iu.test(props.href) ? (
    <a href={props.href} rel="noopener noreferrer nofollow">
      {props.children}
    </a>
  ) : (
    <span>{props.children}</span>
  );
}

function PostImage(props: { attachment: Attachment }) {
  const { src, failed } = useImageUrl(props.attachment.url);
  if (failed) return <p class="image-note">The image could not be shown: {failed}</p>;
  if (!src) return <p class="image-note">Loading image…</p>;
  return <img class="post-image" src={src} alt="Image attached to the post" />;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A post with its buttons: like or unlike, reply; for one's own, edit and delete (with a confirmation). */
export function PostView(props: { post: Post; own: boolean; liked: boolean; actions: PostActions }) {
  const { post, own, liked, actions } = props;
  const [mode, setMode] = useState<'view' | 'reply' | 'edit' | 'confirm-delete'>('view');
  const { busy, error, act } = useAction();
  const author = post.authorName ?? post.author;
  return (
    <article class="post" data-url={post.url} aria-label={`Post by ${author}`}>
      <header>
        <span class="author">
          <SafeLink href={post.author}>{author}</SafeLink>
        </span>
        <time dateTime={post.published}>{when(post.published)}</time>
        {post.updated && <span class="edited">(edited)</span>}
      </header>
      {post.inReplyTo && (
        <p class="in-reply-to">
          In reply to <SafeLink href={post.inReplyTo}>a post</SafeLink>
        </p>
      )}
      {mode === 'edit' ? (
        <Compose
          label="Edit your post"
          focus
          submitLabel="Save"
          initial={post.content}
          onSubmit={async (draft) => {
            await actions.edit(post, draft.content);
            setMode('view');
          }}
          onCancel={() => setMode('view')}
        />
      ) : (
        <p class="post-body">{post.content}</p>
      )}
      {post.attachments.map((attachment) => (
        <PostImage key={attachment.url} attachment={attachment} />
      ))}
      <footer>
        {own && post.likes !== undefined && (
          <span class="counts">
            <span class="likes">{`${post.likes} ${post.likes === 1 ? 'like' : 'likes'}`}</span>
            {' · '}
            <span class="replies">{`${post.replies ?? 0} ${post.replies === 1 ? 'reply' : 'replies'}`}</span>
          </span>
        )}
        <span class="actions">
          <button
            type="button"
            class="like"
            aria-pressed={liked}
            disabled={busy}
            onClick={() => void act(() => (liked ? actions.unlike(post) : actions.like(post)))}
          >
            {liked ? 'Unlike' : 'Like'}
          </button>
          <button type="button" class="reply" disabled={busy} onClick={() => setMode('reply')}>
            Reply
          </button>
          {own && (
            <>
              <button type="button" class="edit" disabled={busy} onClick={() => setMode('edit')}>
                Edit
              </button>
              <button type="button" class="delete" disabled={busy} onClick={() => setMode('confirm-delete')}>
                Delete
              </button>
            </>
          )}
        </span>
      </footer>
      {mode === 'confirm-delete' && (
        <div class="confirm" role="group" aria-label="Confirm deletion">
          <span>Delete this post? This cannot be undone.</span>
          <button
            type="button"
            class="confirm-delete"
            disabled={busy}
            onClick={() => void act(() => actions.remove(post))}
          >
            Yes, delete
          </button>
          <button type="button" disabled={busy} onClick={() => setMode('view')}>
            Keep it
          </button>
        </div>
      )}
      {mode === 'reply' && (
        <Compose
          label={`Reply to ${author}`}
          focus
          submitLabel="Send reply"
          onSubmit={async (draft) => {
            await actions.reply(post, draft);
            setMode('view');
          }}
          onCancel={() => setMode('view')}
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
