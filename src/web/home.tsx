// Home: the owner's timeline (their own posts and those of the people they follow), paged, with a form to post (with
// an image), and like, reply, edit and delete. The same library functions as the CLI's `hearth timeline`, `post`,
// `like`, `reply`, `edit` and `delete`; pods that cannot be read are listed plainly below the posts.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Post } from '../social/model.js';
import { withAuthorNames } from '../social/model.js';
import { createPost, deletePost, editPost } from '../social/posts.js';
import { like, readOwnLikes, reply, unlike } from '../social/interactions.js';
import { socialState, withCounts, type SocialRecord } from '../social/notifications.js';
import { readNames } from '../social/profile.js';
import { rememberPostsContainers } from '../social/follows.js';
import { getTimeline, type SourceError } from '../social/timeline.js';
import { TimelineCache } from '../social/feed-cache.js';
import { ensureFeed } from '../social/feed-write.js';
import type { Actor } from '../social/self.js';
import { ignoreFailure } from '../errors.js';
import type { Delivery } from '../social/notify.js';
import { Compose, type Draft } from './compose.js';
import { PostView, SafeLink, type PostActions } from './post.js';
import { publicFetch, reason } from './session.js';

interface Loaded {
  posts: Post[];
  errors: Pick<SourceError, 'source' | 'message'>[];
  /** Whether older posts may exist (the last page was full). */
  more: boolean;
}

/** A note for the owner after an action whose notification did not arrive. */
function deliveryNote(delivery: Delivery | undefined): string | undefined {
  return delivery && !delivery.notified && delivery.reason !== 'no notification to oneself'
    ? `Done, but its author was not notified: ${delivery.reason}`
    : undefined;
}

/** The timeline, its paging and its actions. */
export function Home(props: { actor: Actor; limit: number }) {
  const { actor, limit: pageSize } = props;
  const [loaded, setLoaded] = useState<Loaded>();
  const [loading, setLoading] = useState(false);
  /** Reads finished (a refresh or an older page, read or failed): shown as `data-reads` for tests to wait on. */
  const [reads, setReads] = useState(0);
  const [failure, setFailure] = useState<string>();
  const [note, setNote] = useState<string>();
  const [liked, setLiked] = useState<ReadonlySet<string>>(new Set());
  /** One read of the owner's own name and received likes and replies per refresh, reused for older pages. */
  const context = useRef<{ names?: Map<string, string>; state?: Promise<SocialRecord | undefined> }>({});
  const rendered = useRef(false);
  /** The feeds read, with their validators: a refresh with nothing new is one `304 Not Modified` per person. */
  const timelineCache = useRef(new TimelineCache());

  /** One page of the timeline: names, counts on one's own posts. */
  const readPage = useCallback(
    async (before?: Post): Promise<Loaded> => {
      const result = await getTimeline(actor, {
        limit: pageSize,
        fetch: publicFetch,
        cache: timelineCache.current,
        ...(before ? { before } : {}),
      });
      const errors: Loaded['errors'] = result.errors.map(({ source, message }) => ({ source, message }));
      // What a timeline found worth keeping is written as the CLI writes it; failing that is no error of the read.
      ignoreFailure(rememberPostsContainers(actor, result.discovered ?? []));
      if (result.ownFeedMissing) ignoreFailure(ensureFeed(actor));
      context.current.names ??= await readNames(publicFetch, [actor.webId]);
      const named = withAuthorNames(result.posts, context.current.names);
      const own = named.filter((post) => post.author === actor.webId);
      let counted = new Map<string, Post>();
      if (own.length) {
        context.current.state ??= socialState(actor).catch((error: unknown) => {
          errors.push({ source: actor.webId, message: `Likes and replies received: ${reason(error)}` });
          return undefined;
        });
        const state = await context.current.state;
        if (state) counted = new Map((await withCounts(actor, own, state)).map((post) => [post.url, post]));
      }
      const posts = named.map((post) => counted.get(post.url) ?? post);
      return { posts, errors, more: result.posts.length >= pageSize };
    },
    [actor, pageSize],
  );

  const refresh = useCallback(async (): Promise<void> => {
    setLoading(true);
    setFailure(undefined);
    context.current = {};
    try {
      let unreadLikes: string | undefined;
      const [page, likes] = await Promise.all([
        readPage(),
        readOwnLikes(actor).catch((error: unknown) => {
          unreadLikes = `Your likes (the Like buttons may be wrong): ${reason(error)}`;
          return [];
        }),
      ]);
      if (unreadLikes) page.errors.push({ source: actor.webId, message: unreadLikes });
      setLiked(new Set(likes.map((l) => l.object)));
      performance.mark('hearth-timeline-data');
      rendered.current = false;
      setLoaded(page);
    } catch (error: unknown) {
      setFailure(`Your timeline could not be read: ${reason(error)}`);
    } finally {
      setLoading(false);
      setReads((count) => count + 1);
    }
  }, [actor, readPage]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // How long the posts took to be on screen once their data arrived (the budget: a second for 50 posts).
  useLayoutEffect(() => {
    if (!loaded || rendered.current) return;
    rendered.current = true;
    requestAnimationFrame(() => {
      performance.mark('hearth-timeline-shown');
      performance.measure('hearth-timeline-render', 'hearth-timeline-data', 'hearth-timeline-shown');
    });
  }, [loaded]);

  const older = async (): Promise<void> => {
    const last = loaded?.posts.at(-1);
    if (!loaded || !last) return;
    setLoading(true);
    try {
      const page = await readPage(last);
      const seen = new Set(loaded.posts.map((post) => post.url));
      setLoaded({
        posts: [...loaded.posts, ...page.posts.filter((post) => !seen.has(post.url))],
        errors: page.errors,
        more: page.more,
      });
    } catch (error: unknown) {
      setFailure(`Older posts could not be read: ${reason(error)}`);
    } finally {
      setLoading(false);
      setReads((count) => count + 1);
    }
  };

  const update = (change: (posts: Post[]) => Post[]): void =>
    setLoaded((current) => current && { ...current, posts: change(current.posts) });
  /** A post just written, as the timeline shows one's own. */
  const own = (written: Post): Post => {
    const name = context.current.names?.get(actor.webId);
    return { ...written, ...(name ? { authorName: name } : {}), likes: 0, replies: 0 };
  };

  const post = async (draft: Draft): Promise<void> => {
    const created = await createPost(actor, draft);
    update((posts) => [own(created), ...posts]);
    setNote(undefined);
  };

  const actions: PostActions = {
    like: async (target) => {
      const { delivery } = await like(actor, target.url);
      setLiked((current) => new Set([...current, target.url]));
      setNote(deliveryNote(delivery));
    },
    unlike: async (target) => {
      const { delivery } = await unlike(actor, target.url);
      setLiked((current) => new Set([...current].filter((url) => url !== target.url)));
      setNote(deliveryNote(delivery));
    },
    reply: async (target, draft) => {
      const result = await reply(actor, target.url, draft);
      update((posts) => [own(result.post), ...posts]);
      setNote(deliveryNote(result.delivery));
    },
    edit: async (target, content) => {
      const edited = await editPost(actor, target.url, content);
      update((posts) => posts.map((p) => (p.url === target.url ? { ...p, content, updated: edited.updated } : p)));
    },
    remove: async (target) => {
      const { delivery } = await deletePost(actor, target.url);
      update((posts) => posts.filter((p) => p.url !== target.url));
      setNote(deliveryNote(delivery));
    },
  };

  return (
    <section class="home" aria-labelledby="home-title" aria-busy={loading} data-reads={reads}>
      <h2 id="home-title">Home</h2>
      <Compose label="Write a post" submitLabel="Post" withImage idPrefix="compose" onSubmit={post} />
      <div class="toolbar">
        <button type="button" id="refresh" onClick={() => void refresh()} disabled={loading}>
          Refresh
        </button>
        <span role="status" aria-live="polite">
          {loading ? 'Reading pods…' : (note ?? '')}
        </span>
      </div>
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
      {loaded && loaded.posts.length === 0 && <p>No posts yet: write one, or follow someone.</p>}
      <div class="timeline">
        {loaded?.posts.map((item) => (
          <PostView
            key={item.url}
            post={item}
            own={item.author === actor.webId}
            liked={liked.has(item.url)}
            actions={actions}
          />
        ))}
      </div>
      {loaded?.more && (
        <button type="button" id="older" onClick={() => void older()} disabled={loading}>
          Older
        </button>
      )}
      {loaded && loaded.errors.length > 0 && (
        <section class="source-errors" aria-labelledby="source-errors-title">
          <h3 id="source-errors-title">Pods that could not be read</h3>
          <ul>
            {loaded.errors.map((error) => (
              <li key={`${error.source} ${error.message}`}>
                <SafeLink href={error.source}>{error.source}</SafeLink>: {error.message}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
