import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { hearthHome, loadAccount } from '../auth/credentials.js';
import type { HearthSession } from '../auth/session.js';
import { InvalidInputError } from '../errors.js';
import {
  clearNotifications, createPost, deletePost, editPost, follow, getPost, getProfile, getTimeline, like, listFollowers, listNotifications,
  listPosts, readOwnFollowing, reply, setProfile, unfollow, unlike, withCounts, type Delivery, type ImageInput, type Post, type PostsResult,
} from '../social/index.js';
import { progressLine } from './progress.js';
import { print, type GlobalOptions } from './output.js';
import { currentSession } from './session.js';

const imageTypes: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif' };

/** `hearth profile|post|reply|posts|edit|delete|like|unlike|follow|unfollow|following|followers|timeline|notifications`. */
export function registerSocial(program: Command): void {
  const profile = program.command('profile').description('show or change a profile (display name, bio, avatar)');
  profile.command('show [webid]').description('show a profile (default: yours)')
    .action(async (webId: string | undefined, _o: unknown, command: Command) => {
      const shown = await getProfile(fetch, webId ?? (await me(command)));
      print(globals(command), shown, [shown.name ?? '(no name)', `WebID:  ${shown.webId}`, ...(shown.bio ? [`Bio:    ${shown.bio}`] : []),
        ...(shown.avatar ? [`Avatar: ${shown.avatar}`] : [])]);
    });
  profile.command('set').description('change your display name, bio or avatar (any name you like)')
    .option('--name <name>', 'display name').option('--bio <text>', 'short bio').option('--avatar <file>', 'avatar image file')
    .action(async (options: { name?: string; bio?: string; avatar?: string }, command: Command) => {
      const avatar = options.avatar ? await readImage(options.avatar) : undefined;
      const changed = await acting(command, (s) => setProfile(s, { ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.bio !== undefined ? { bio: options.bio } : {}), ...(avatar ? { avatar } : {}) }));
      print(globals(command), changed, [`Profile updated: ${changed.name ?? '(no name)'}`, ...(changed.avatar ? [`Avatar: ${changed.avatar}`] : [])]);
    });

  program.command('post <text>').description('publish a post; prints its URL').option('--image <file>', 'attach an image')
    .action(async (text: string, options: { image?: string }, command: Command) => {
      const image = options.image ? await readImage(options.image) : undefined;
      const post = await acting(command, (s) => createPost(s, { content: text, ...(image ? { image } : {}) }));
      print(globals(command), post, [post.url]);
    });
  program.command('reply <url> <text>').description('reply to a post; prints the reply\'s URL').option('--image <file>', 'attach an image')
    .action(async (url: string, text: string, options: { image?: string }, command: Command) => {
      const image = options.image ? await readImage(options.image) : undefined;
      const result = await acting(command, (s) => reply(s, url, { content: text, ...(image ? { image } : {}) }));
      print(globals(command), result, [result.post.url, ...deliveryLines(result.delivery)]);
    });
  program.command('posts [webid]').description('list someone\'s posts, newest first (default: yours, with like and reply counts)')
    .option('--limit <n>', 'how many', '20').option('--before <date|url>', 'only posts older than this date or post')
    .action(async (webId: string | undefined, options: { limit: string; before?: string }, command: Command) => {
      const paging = { limit: parseLimit(options.limit), ...(options.before ? { before: await parseBefore(options.before) } : {}) };
      const posts = await acting(command, async (s) => {
        const listed = await listPosts(fetch, webId ?? s.webId, paging);
        return !webId || webId === s.webId ? withCounts(s, listed) : listed;
      });
      print(globals(command), posts, posts.length ? posts.flatMap(postLines) : ['No posts.']);
    });
  program.command('edit <url> <text>').description('replace the text of one of your posts')
    .action(async (url: string, text: string, _o: unknown, command: Command) => {
      const post = await acting(command, (s) => editPost(s, url, text));
      print(globals(command), post, [`Edited ${post.url}`]);
    });
  program.command('delete <url>').description('delete one of your posts (its URL then answers a tombstone)')
    .action(async (url: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => deletePost(s, url));
      print(globals(command), { deleted: url, ...result }, [`Deleted ${url}`, ...(result.delivery ? deliveryLines(result.delivery) : [])]);
    });
  program.command('like <url>').description('like a post')
    .action(async (url: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => like(s, url));
      print(globals(command), result, [`Liked ${url}`, ...deliveryLines(result.delivery)]);
    });
  program.command('unlike <url>').description('take a like back')
    .action(async (url: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => unlike(s, url));
      print(globals(command), result, [`Unliked ${url}`, ...deliveryLines(result.delivery)]);
    });
  program.command('follow <webid>').description('follow someone (on any pod server)')
    .action(async (webId: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => follow(s, webId));
      print(globals(command), result, [`Following ${result.follow.object}`,
        ...(result.movedFrom ? [`(${result.movedFrom} moved there)`] : []), ...(result.warning ? [`(${result.warning})`] : []), ...deliveryLines(result.delivery)]);
    });
  program.command('unfollow <webid>').description('stop following someone')
    .action(async (webId: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => unfollow(s, webId));
      print(globals(command), result, [`No longer following ${webId}`, ...deliveryLines(result.delivery)]);
    });
  program.command('following').description('whom you follow')
    .action(async (_o: unknown, command: Command) => {
      const list = await acting(command, (s) => readOwnFollowing(s));
      print(globals(command), list, list.length ? list.map((f) => f.object) : ['You follow nobody yet.']);
    });
  program.command('followers').description('who follows you (verified follow notifications)')
    .action(async (_o: unknown, command: Command) => {
      const list = await acting(command, (s) => listFollowers(s));
      print(globals(command), list, list.length ? list : ['Nobody follows you yet.']);
    });
  program.command('timeline').description('the latest posts of everyone you follow and yours, newest first')
    .option('--limit <n>', 'how many', '20').option('--before <date|url>', 'only posts older than this date or post')
    .action(async (options: { limit: string; before?: string }, command: Command) => {
      const paging = { limit: parseLimit(options.limit), ...(options.before ? { before: await parseBefore(options.before) } : {}) };
      const bar = progressLine(globals(command));
      const result = await acting(command, (s) => getTimeline(s, { ...paging, onProgress: ({ done, total }) => bar.show('Reading pods', done, total) }))
        .finally(bar.done);
      print(globals(command), timelineJson(result), [...(result.posts.length ? result.posts.flatMap(postLines) : ['No posts.']),
        ...result.errors.map((e) => `! ${e.source}: ${e.message}`),
        ...(result.moved ?? []).map((m) => `> ${m.from} moved to ${m.to}: you now follow them there`)]);
    });
  program.command('notifications').description('likes, replies and follows received, newest first')
    .option('--clear', 'record them (counts and followers are kept) and empty the inbox of them')
    .action(async (options: { clear?: boolean }, command: Command) => {
      // One session, one read of the inbox: what is shown is exactly what --clear records and removes.
      const { list, cleared } = await acting(command, async (s) => {
        const listed = await listNotifications(s);
        return { list: listed, cleared: options.clear ? (await clearNotifications(s, {}, listed)).cleared : undefined };
      });
      const lines = list.length ? list.map((n) => `${(n.published ?? '').slice(0, 16).replace('T', ' ')}  ${n.kind.padEnd(6)} ${n.actor}` +
        `${n.object ? ` -> ${n.object}` : ''}${n.verified ? '' : `  (unverified: ${n.reason})`}`) : ['No notifications.'];
      if (cleared !== undefined) lines.push(`Cleared ${cleared} notification(s).`);
      print(globals(command), list, lines);
    });
}

function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Runs `task` with the current account's manager session, logging out afterwards. */
async function acting<T>(command: Command, task: (session: HearthSession) => Promise<T>): Promise<T> {
  const { session } = await currentSession(command);
  try {
    return await task(session);
  } finally {
    await session.logout();
  }
}

async function me(command: Command): Promise<string> {
  return (await loadAccount(hearthHome(process.env), globals(command).account)).webId;
}

async function readImage(file: string): Promise<ImageInput> {
  const mediaType = imageTypes[extname(file).toLowerCase()];
  if (!mediaType) throw new InvalidInputError(`${file}: images must be ${Object.keys(imageTypes).join(', ')} files.`);
  return { data: await readFile(file), mediaType };
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidInputError(`--limit must be a whole number from 1 to 1000, not "${value}".`);
  return limit;
}

async function parseBefore(value: string): Promise<Date | Post> {
  if (/^https?:\/\//u.test(value)) return getPost(fetch, value);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidInputError(`--before must be a date (2026-11-26T10:00:00Z) or a post URL, not "${value}".`);
  return date;
}

function postLines(post: Post): string[] {
  const counts = post.likes !== undefined ? `  likes ${post.likes}, replies ${post.replies ?? 0}` : '';
  const author = post.authorName ? `${post.authorName} <${post.author}>` : post.author;
  return [`${post.published.slice(0, 16).replace('T', ' ')}  ${author}${post.updated ? ' (edited)' : ''}`,
    ...(post.inReplyTo ? [`  in reply to ${post.inReplyTo}`] : []),
    ...post.content.split('\n').map((line) => `  ${line}`),
    ...post.attachments.map((a) => `  [image ${a.url}]`),
    `  ${post.url}${counts}`, ''];
}

function deliveryLines(delivery: Delivery): string[] {
  return delivery.notified ? [] : [`(not notified: ${delivery.reason})`];
}

function timelineJson(result: PostsResult) {
  return { posts: result.posts, errors: result.errors.map((e) => ({ source: e.source, code: e.error.code, message: e.message })),
    ...(result.moved ? { moved: result.moved } : {}) };
}
