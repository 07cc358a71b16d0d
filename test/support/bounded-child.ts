// A child process for test/bounded-social.test.ts, where its memory and its garbage collector are its own:
//   node [--expose-gc] --import tsx test/support/bounded-child.ts MODE '<json>'
// memory: reads a profile (getProfile) and the posts of several pods (collectPosts, what a timeline does) at once,
//         then prints its peak memory.
// gc:     gathers posts with the collector running every 20 ms (deadline timers must still fire), then prints the time.
// Prints one line of JSON on stdout.
import { collectPosts } from '../../src/social/timeline.js';
import { getProfile } from '../../src/social/discovery.js';

interface Args {
  profile?: string;
  sources: string[];
  deadlineMs?: number;
  timeoutMs?: number;
}

const [mode, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as Args;
const sources = args.sources.map((webId) => ({ webId }));
const limits = args.timeoutMs ? { timeoutMs: args.timeoutMs } : {};
const deadline = args.deadlineMs ? { deadlineMs: args.deadlineMs } : {};

if (mode === 'memory') {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const [profile, posts] = await Promise.allSettled([
    args.profile ? getProfile(fetch, args.profile, limits) : Promise.resolve(undefined),
    collectPosts(fetch, sources, { limit: 20, limits, ...deadline }),
  ]);
  clearInterval(sampler);
  const maxRssMb = Math.max(peak, process.resourceUsage().maxRSS * 1024) / 1024 / 1024;
  console.log(
    JSON.stringify({
      maxRssMb,
      profile: profile.status === 'rejected' ? { error: String((profile.reason as Error).message) } : { ok: true },
      errors:
        posts.status === 'fulfilled'
          ? posts.value.errors.map((e) => ({ source: e.source, message: e.message }))
          : String(posts.reason),
    }),
  );
} else if (mode === 'gc') {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const collector = setInterval(gc, 20);
  const started = performance.now();
  const result = await collectPosts(fetch, sources, { limit: 10, limits, ...deadline });
  const ms = performance.now() - started;
  clearInterval(collector);
  console.log(
    JSON.stringify({ ms, posts: result.posts.map((p) => p.content), errors: result.errors.map((e) => e.source) }),
  );
} else {
  throw new Error(`unknown mode ${mode}`);
}
// Reads cut short may leave sockets open: the answer is printed, so leave now.
process.exit(0);
