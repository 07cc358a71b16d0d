import { describe } from '../errors.js';
import { isInside } from '../url.js';
import type { Post } from './model.js';
import { socialState, withCounts } from './notifications.js';
import { getPost } from './posts.js';
import { mapBounded, type ReadLimits } from './remote.js';
import { ownArea, type Actor } from './self.js';

/** Most replies `getThread` reads. */
export const maxThreadReplies = 50;

/** One post and what its owner knows of it. */
export interface Thread {
  /** The post (with like and reply counts when it is the acting person's own). */
  post: Post;
  /**
   * True when the post is the acting person's own: only then are its likes and replies known (from verified
   * notifications).
   */
  own: boolean;
  /** The replies received, oldest first, read from the repliers' pods (at most `maxThreadReplies`). */
  replies: Post[];
  /** Replies that could not be read (deleted since, their pod down), with the reason. */
  unreadable: { url: string; message: string }[];
}

/**
 * Reads one post; for the acting person's own posts, also its like and reply counts and the replies received (verified
 * notifications, as `withCounts` counts them), each read from its author's pod, bounded like every read of others'
 * data.
 */
export async function getThread(actor: Actor, postUrl: string, limits: ReadLimits = {}): Promise<Thread> {
  const post = await getPost(globalThis.fetch, postUrl, limits);
  if (!isInside(post.url, await ownArea(actor, 'posts'))) return { post, own: false, replies: [], unreadable: [] };
  const state = await socialState(actor, limits);
  const [counted] = await withCounts(actor, [post], state);
  const urls = [...new Set(state.replies.filter((r) => r.object === post.url).map((r) => r.url))].slice(
    0,
    maxThreadReplies,
  );
  const read = await mapBounded(urls, 4, async (url) => {
    try {
      return { reply: await getPost(globalThis.fetch, url, limits) };
    } catch (error: unknown) {
      return { failed: { url, message: describe(error) } };
    }
  });
  const replies = read
    .flatMap((r) => (r.reply ? [r.reply] : []))
    .sort((a, b) => a.published.localeCompare(b.published));
  return { post: counted ?? post, own: true, replies, unreadable: read.flatMap((r) => (r.failed ? [r.failed] : [])) };
}
