import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { hearthHome, loadAccount } from '../auth/credentials.js';
import type { HearthSession } from '../auth/session.js';
import { InvalidInputError } from '../errors.js';
import { fileError } from '../files.js';
import { clearNotifications, listFollowers, withCounts } from '../social/notifications.js';
import { createPost, deletePost, editPost, getPost, listPosts, type ImageInput } from '../social/posts.js';
import { follow, readOwnFollowing, unfollow } from '../social/follows.js';
import { getProfile } from '../social/discovery.js';
import { getThread } from '../social/thread.js';
import { getTimeline, type PostsResult } from '../social/timeline.js';
import { TimelineCache } from '../social/feed-cache.js';
import { ensureFeed } from '../social/feed-write.js';
import { like, reply, unlike } from '../social/interactions.js';
import { setProfile } from '../social/profile.js';
import { type Delivery } from '../social/notify.js';
import { type Post } from '../social/model.js';
import { maxInboxItems, readNotifications, type ClearResult, type InboxReport } from '../social/notifications.js';
import { HearthError } from '../errors.js';
import {
  actOnNotices,
  followMoves,
  rememberPostsContainers,
  type MovedFollow,
  type NoticeAction,
} from '../social/follows.js';
import { type Notification } from '../social/notifications.js';
import { withAuthorNames } from '../social/model.js';
import { readNames } from '../social/profile.js';
import { progressLine } from './progress.js';
import { print, type GlobalOptions } from './output.js';
import { currentSession } from './session.js';

const imageTypes: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
};

/**
 * `hearth profile|post|reply|posts|edit|delete|like|unlike|follow|unfollow|following|followers|timeline|notifications`.
 */
export function registerSocial(program: Command): void {
  const profile = program.command('profile').description('show or change a profile (display name, bio, avatar)');
  profile
    .command('show [webid]')
    .description('show a profile (default: yours)')
    .action(async (webId: string | undefined, _o: unknown, command: Command) => {
      const shown = await getProfile(fetch, webId ?? (await me(command)));
      print(globals(command), shown, [
        shown.name ?? '(no name)',
        `WebID:  ${shown.webId}`,
        ...(shown.bio ? [`Bio:    ${shown.bio}`] : []),
        ...(shown.avatar ? [`Avatar: ${shown.avatar}`] : []),
      ]);
    });
  profile
    .command('set')
    .description('change your display name, bio or avatar (any name you like)')
    .option('--name <name>', 'display name')
    .option('--bio <text>', 'short bio')
    .option('--avatar <file>', 'avatar image file')
    .action(async (options: { name?: string; bio?: string; avatar?: string }, command: Command) => {
      const avatar = options.avatar ? await readImage(options.avatar) : undefined;
      const changed = await acting(command, (s) =>
        setProfile(s, {
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.bio !== undefined ? { bio: options.bio } : {}),
          ...(avatar ? { avatar } : {}),
        }),
      );
      print(globals(command), changed, [
        `Profile updated: ${changed.name ?? '(no name)'}`,
        ...(changed.avatar ? [`Avatar: ${changed.avatar}`] : []),
      ]);
    });

  program
    .command('post [text]')
    .description('publish a post; prints its URL (the text as an argument, "-" for stdin, or --file)')
    .option('--image <file>', 'attach an image')
    .option('--file <file>', 'take the text from this file (UTF-8)')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth post "Hello from my own pod"
  $ hearth post "Look at this" --image photo.jpg
  $ fortune | hearth post -                 # the text from stdin
  $ hearth post --file draft.txt`,
    )
    .action(async (text: string | undefined, options: { image?: string; file?: string }, command: Command) => {
      const content = await postText(text, options.file);
      const image = options.image ? await readImage(options.image) : undefined;
      const post = await acting(command, (s) => createPost(s, { content, ...(image ? { image } : {}) }));
      print(globals(command), post, [post.url]);
    });
  program
    .command('show <url>')
    .description('show one post; for your own, its likes and the replies you received')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth show https://pods.example/alice/social/posts/2026-11-26.ttl#mwyx1`,
    )
    .action(async (url: string, _o: unknown, command: Command) => {
      const found = await acting(command, (s) => getThread(s, url));
      const names = await readNames(fetch, [found.post.author, ...found.replies.map((r) => r.author)]);
      const thread = {
        ...found,
        post: withAuthorNames([found.post], names)[0]!,
        replies: withAuthorNames(found.replies, names),
      };
      print(globals(command), thread, [
        ...postLines(thread.post),
        ...(thread.own && thread.replies.length
          ? ['Replies:', ...thread.replies.flatMap((r) => postLines(r).map((line) => `  ${line}`))]
          : []),
        ...thread.unreadable.map((u) => `! reply ${u.url}: ${u.message}`),
      ]);
    });
  program
    .command('reply <url> <text>')
    .description("reply to a post; prints the reply's URL")
    .option('--image <file>', 'attach an image')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth reply https://pods.example/bob/social/posts/2026-11-26.ttl#mwyx1 "Nice!"`,
    )
    .action(async (url: string, text: string, options: { image?: string }, command: Command) => {
      const image = options.image ? await readImage(options.image) : undefined;
      const result = await acting(command, (s) => reply(s, url, { content: text, ...(image ? { image } : {}) }));
      print(globals(command), result, [result.post.url, ...deliveryLines(result.delivery)]);
    });
  program
    .command('posts [webid]')
    .description("list someone's posts, newest first (default: yours, with like and reply counts)")
    .option('--limit <n>', 'how many', '20')
    .option('--before <date|url>', 'only posts older than this date or post')
    .action(async (webId: string | undefined, options: { limit: string; before?: string }, command: Command) => {
      const paging = {
        limit: parseLimit(options.limit),
        ...(options.before ? { before: await parseBefore(options.before) } : {}),
      };
      const posts = await acting(command, async (s) => {
        const who = webId ?? s.webId;
        // The author's name is read beside the listing; a listing that fails stops it.
        const stop = new AbortController();
        const [listed, names] = await Promise.all([
          listPosts(fetch, who, paging).catch((error: unknown) => {
            stop.abort();
            throw error;
          }),
          readNames(fetch, [who], { signal: stop.signal }),
        ]);
        const named = withAuthorNames(listed, names);
        return who === s.webId ? withCounts(s, named) : named;
      });
      print(globals(command), posts, posts.length ? posts.flatMap(postLines) : ['No posts.']);
    });
  program
    .command('edit <url> <text>')
    .description('replace the text of one of your posts')
    .action(async (url: string, text: string, _o: unknown, command: Command) => {
      const post = await acting(command, (s) => editPost(s, url, text));
      print(globals(command), post, [`Edited ${post.url}`]);
    });
  program
    .command('delete <url>')
    .description('delete one of your posts (its URL then answers a tombstone)')
    .action(async (url: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => deletePost(s, url));
      print(globals(command), { deleted: url, ...result }, [
        `Deleted ${url}`,
        ...(result.delivery ? deliveryLines(result.delivery) : []),
      ]);
    });
  program
    .command('like <url>')
    .description('like a post')
    .action(async (url: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => like(s, url));
      print(globals(command), result, [`Liked ${url}`, ...deliveryLines(result.delivery)]);
    });
  program
    .command('unlike <url>')
    .description('take a like back')
    .action(async (url: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => unlike(s, url));
      print(globals(command), result, [`Unliked ${url}`, ...deliveryLines(result.delivery)]);
    });
  program
    .command('follow <webid>')
    .description('follow someone (on any pod server)')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth follow https://pods.example/bob/profile/card#me`,
    )
    .action(async (webId: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => follow(s, webId));
      print(globals(command), result, [
        `Following ${result.follow.object}`,
        ...(result.movedFrom ? [`(${result.movedFrom} moved there)`] : []),
        ...(result.warning ? [`(${result.warning})`] : []),
        ...deliveryLines(result.delivery),
      ]);
    });
  program
    .command('unfollow <webid>')
    .description('stop following someone')
    .action(async (webId: string, _o: unknown, command: Command) => {
      const result = await acting(command, (s) => unfollow(s, webId));
      print(globals(command), result, [`No longer following ${webId}`, ...deliveryLines(result.delivery)]);
    });
  program
    .command('following')
    .description('whom you follow')
    .action(async (_o: unknown, command: Command) => {
      const list = (await acting(command, (s) => readOwnFollowing(s))).map((f) => ({ webId: f.object, ...f }));
      print(
        globals(command),
        list,
        list.length ? list.map((f) => personLabel(f.webId, f.name)) : ['You follow nobody yet.'],
      );
    });
  program
    .command('followers')
    .description('who follows you (verified follow notifications)')
    .action(async (_o: unknown, command: Command) => {
      const webIds = await acting(command, (s) => listFollowers(s));
      const names = await readNames(fetch, webIds);
      const list = webIds.map((webId) => ({ webId, ...(names.has(webId) ? { name: names.get(webId)! } : {}) }));
      print(
        globals(command),
        list,
        list.length ? list.map((f) => personLabel(f.webId, f.name)) : ['Nobody follows you yet.'],
      );
    });
  program
    .command('timeline')
    .description('the latest posts of everyone you follow and yours, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--before <date|url>', 'only posts older than this date or post')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth timeline --limit 20
  $ hearth timeline --before 2026-11-01                 # older posts
  $ hearth --json timeline | jq '.posts[].content'`,
    )
    .action(async (options: { limit: string; before?: string }, command: Command) => {
      const paging = {
        limit: parseLimit(options.limit),
        ...(options.before ? { before: await parseBefore(options.before) } : {}),
      };
      const bar = progressLine(globals(command));
      const { result, moved, warnings } = await acting(command, async (s) => {
        // What the last timeline read is asked for again only if it changed (If-None-Match).
        const cache = await loadTimelineCache(s.webId);
        const read = (session: HearthSession) =>
          getTimeline(session, {
            ...paging,
            cache,
            onProgress: ({ done, total }) => bar.show('Reading pods', done, total),
          });
        const first = await read(s);
        // The timeline only reads: what it found worth keeping is written here, each an explicit step.
        const remembered = [...(await rememberFound(s, first)), ...(await makeOwnFeed(s, first))];
        const moves = first.movedHints ? await followMoves(s, {}, first.movedHints) : [];
        const latest = moves.length ? await read(s) : first;
        await saveTimelineCache(s.webId, cache);
        // One's own posts carry one's own name (others' come with the names stored in the follow list).
        const own = await readNames(fetch, [s.webId]);
        return { result: { ...latest, posts: withAuthorNames(latest.posts, own) }, moved: moves, warnings: remembered };
      }).finally(bar.done);
      print(globals(command), timelineJson(result, moved, warnings), [
        ...(result.posts.length ? result.posts.flatMap(postLines) : ['No posts.']),
        ...result.errors.map((e) => `! ${e.source}: ${e.message}`),
        ...moved.map((m) => `> ${m.from} moved to ${m.to}: you now follow them there`),
        ...warnings.map((w) => `(${w})`),
      ]);
    });
  program
    .command('notifications')
    .description(
      'likes, replies, follows, account deletions and moves received, newest first; ' +
        'acts on verified deletions and moves',
    )
    .option('--clear', 'record them (counts and followers are kept) and remove them and the junk from the inbox')
    .option(
      '--clear-all',
      'as --clear, and also remove claims that could not be checked and items of other kinds (never access requests)',
    )
    .option('--deadline <seconds>', 'time for the whole look at the inbox, checks included', '20')
    .action(async (options: { clear?: boolean; clearAll?: boolean; deadline: string }, command: Command) => {
      const deadlineMs = parseSeconds(options.deadline);
      // One session, one read of the inbox: what is shown is exactly what --clear records and removes.
      const { report, acted, cleared } = await acting(command, async (s) => {
        const read = await readNotifications(s, { deadlineMs, names: true });
        // Verified deletions and moves of people followed are acted on (unfollowed; followed where they went), never
        // unverified ones.
        const done = await actOnNotices(s, read);
        const clear =
          options.clear || options.clearAll
            ? await clearNotifications(s, { deadlineMs, all: Boolean(options.clearAll) }, read)
            : undefined;
        return { report: read, acted: done, cleared: clear };
      });
      const list = report.notifications;
      const json = {
        notifications: list,
        acted,
        ...(cleared ? { cleared: { cleared: cleared.cleared, removed: cleared.removed, kept: cleared.kept } } : {}),
      };
      print(globals(command), json, [
        ...(list.length ? list.map(notificationLine) : ['No notifications.']),
        ...acted.map(actionLine),
        ...inboxNotes(report, deadlineMs, cleared),
      ]);
    });
}

/** One notification in one line: when, what, who (by name when followed), and why it is not believed. */
function notificationLine(n: Notification): string {
  const what =
    n.kind === 'delete'
      ? ' deleted their account'
      : n.kind === 'move'
        ? ` moved to ${n.target}`
        : n.object
          ? ` -> ${n.object}`
          : '';
  const when = (n.received ?? n.published ?? '').slice(0, 16).replace('T', ' ');
  return (
    `${when}  ${n.kind.padEnd(6)} ${personLabel(n.actor, n.actorName)}${what}` +
    `${n.verified ? '' : `  (unverified: ${n.reason})`}`
  );
}

/** What acting on a verified deletion or move did, in one line. */
function actionLine(a: NoticeAction): string {
  const who = personLabel(a.webId, a.name);
  if (a.notice === 'delete') return `${who} deleted their account: you no longer follow them.`;
  return a.done
    ? `${who} moved to ${a.to}: you now follow ${a.to}.`
    : `${who} moved to ${a.to}, but it could not be followed (${a.reason}): you still follow ${who}.`;
}

/**
 * Remembers the posts containers a timeline discovered; a failure is a warning (the posts are read already), not an
 * error.
 */
async function rememberFound(session: HearthSession, result: PostsResult): Promise<string[]> {
  try {
    await rememberPostsContainers(session, result.discovered ?? []);
    return [];
  } catch (error: unknown) {
    if (!(error instanceof HearthError)) throw error;
    return [`Where their posts are could not be remembered for next time: ${error.message}`];
  }
}

/** Makes one's own feed when the timeline found none (a pod made before feeds); a failure is a warning. */
async function makeOwnFeed(session: HearthSession, result: PostsResult): Promise<string[]> {
  if (!result.ownFeedMissing) return [];
  try {
    await ensureFeed(session);
    return [];
  } catch (error: unknown) {
    if (!(error instanceof HearthError)) throw error;
    return [`Your feed (what your followers read) could not be made yet: ${error.message}`];
  }
}

/** Most bytes of the timeline cache kept on disk. */
const maxCacheFileBytes = 4 * 1024 * 1024;

/** The file of one account's timeline cache: `<HEARTH_HOME>/cache/timeline-<hash of the WebID>.json`. */
function timelineCacheFile(webId: string): string {
  const name = createHash('sha256').update(webId).digest('hex').slice(0, 32);
  return join(hearthHome(process.env), 'cache', `timeline-${name}.json`);
}

/** The timeline cache kept on disk for `webId`; an empty one when there is none, or it is too large or damaged. */
async function loadTimelineCache(webId: string): Promise<TimelineCache> {
  const bounds = { maxBytes: maxCacheFileBytes };
  const file = timelineCacheFile(webId);
  try {
    if ((await stat(file)).size > 2 * maxCacheFileBytes) return new TimelineCache(bounds);
    return TimelineCache.fromJSON(JSON.parse(await readFile(file, 'utf8')), bounds);
  } catch {
    return new TimelineCache(bounds); // none yet, or unreadable: the timeline reads everything once
  }
}

/** Keeps the timeline cache on disk (folder 0700, file 0600, replaced atomically); failing that only costs time. */
async function saveTimelineCache(webId: string, cache: TimelineCache): Promise<void> {
  const file = timelineCacheFile(webId);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const dir = join(hearthHome(process.env), 'cache');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    await writeFile(temporary, JSON.stringify(cache), { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch {
    // A cache that cannot be written is only a slower next timeline.
    await rm(temporary, { force: true }).catch(() => undefined);
  }
}

/** What else the look at the inbox found, and what clearing did, in a few lines. */
function inboxNotes(report: InboxReport, deadlineMs: number, cleared?: ClearResult): string[] {
  const notes: string[] = [];
  const junk = report.others.filter((o) => o.junk);
  const otherKinds = report.others.length - junk.length;
  const unchecked = report.notifications.filter((n) => n.unchecked).length;
  if (junk.length) {
    const reasons = [...new Set(junk.map((o) => o.reason.replace(/[:(].*$/u, '').trim()))].slice(0, 3);
    notes.push(`${junk.length} junk item(s) in your inbox (${reasons.join('; ')}).`);
  }
  if (otherKinds) notes.push(`${otherKinds} item(s) of other kinds (not social notifications).`);
  if (report.requests) notes.push(`${report.requests} access request(s): see \`hearth apps requests\`.`);
  if (unchecked)
    notes.push(
      `${unchecked} claim(s) could not be checked (the sender's server silent or slow): they stay for another look.`,
    );
  if (report.unread)
    notes.push(
      `${report.unread} older item(s) not read (at most ${maxInboxItems} at a time, within ${deadlineMs / 1000} s).`,
    );
  if (report.truncated) notes.push('Your inbox holds too many items to list at once: only part of it was looked at.');
  if (cleared) {
    notes.push(`Cleared ${cleared.cleared} notification(s) and removed ${cleared.removed} other item(s).`);
    if (cleared.kept)
      notes.push(
        `Kept ${cleared.kept} item(s): unchecked claims and items of other kinds stay unless --clear-all ` +
          '(never access requests).',
      );
  } else if (junk.length || report.unread || report.truncated) {
    notes.push('`hearth notifications --clear` removes the junk so that older items come up.');
  }
  return notes;
}

/** Seconds given on the command line, as milliseconds. */
function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    throw new InvalidInputError(`--deadline must be a number of seconds, more than 0 and at most 600, not "${value}".`);
  return seconds * 1000;
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
  return {
    data: await readFile(file).catch((error: unknown) => {
      throw fileError(file, error, 'read');
    }),
    mediaType,
  };
}

/** A post's text: the argument, stdin for "-", or a file (a last line break dropped); exactly one of them. */
async function postText(text: string | undefined, file: string | undefined): Promise<string> {
  if (text !== undefined && file !== undefined)
    throw new InvalidInputError('Give the text once: as an argument, "-" for stdin, or --file FILE.');
  if (text === undefined && file === undefined) {
    throw new InvalidInputError(
      'What should the post say? `hearth post "TEXT"`, `hearth post -` (read from stdin) or `hearth post --file FILE`.',
    );
  }
  if (text !== undefined && text !== '-') return text;
  let raw: Buffer;
  if (file !== undefined) {
    raw = await readFile(file).catch((error: unknown) => {
      throw fileError(file, error, 'read');
    });
  } else {
    if (process.stdin.isTTY) process.stderr.write('Type the post, then Ctrl+D on a line of its own:\n');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    raw = Buffer.concat(chunks);
  }
  return raw.toString('utf8').replace(/\r?\n$/u, '');
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new InvalidInputError(`--limit must be a whole number from 1 to 1000, not "${value}".`);
  return limit;
}

async function parseBefore(value: string): Promise<Date | Post> {
  if (/^https?:\/\//u.test(value)) return getPost(fetch, value);
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidInputError(`--before must be a date (2026-11-26T10:00:00Z) or a post URL, not "${value}".`);
  return date;
}

function postLines(post: Post): string[] {
  const counts = post.likes !== undefined ? `  likes ${post.likes}, replies ${post.replies ?? 0}` : '';
  return [
    `${post.published.slice(0, 16).replace('T', ' ')}  ${personLabel(post.author, post.authorName)}` +
      `${post.updated ? ' (edited)' : ''}`,
    ...(post.inReplyTo ? [`  in reply to ${post.inReplyTo}`] : []),
    ...post.content.split('\n').map((line) => `  ${line}`),
    ...post.attachments.map((a) => `  [image ${a.url}]`),
    `  ${post.url}${counts}`,
    '',
  ];
}

/** A person as shown: `Name <WebID>` when a name is known, else the WebID. */
function personLabel(webId: string, name: string | undefined): string {
  return name ? `${name} <${webId}>` : webId;
}

function deliveryLines(delivery: Delivery): string[] {
  return delivery.notified ? [] : [`(not notified: ${delivery.reason})`];
}

function timelineJson(result: PostsResult, moved: MovedFollow[], warnings: string[]) {
  return {
    posts: result.posts,
    errors: result.errors.map((e) => ({ source: e.source, code: e.error.code, message: e.message })),
    ...(moved.length ? { moved } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}
