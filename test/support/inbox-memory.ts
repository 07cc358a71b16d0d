// Run as a child process: logs in as the manager named by HEARTH_TEST_* and reads its notifications once, then prints
// how far the resident memory rose above what it was just before (peak), as JSON on stdout. Reads are given minutes:
// what
// is measured is memory, not time (run it with a small --max-old-space-size to see whether the look fits).
import { openSession } from '../../src/index.js';
import { readNotifications } from '../../src/social/notifications.js';

const env = process.env;
const session = await openSession({
  server: env.HEARTH_TEST_SERVER!,
  clientId: env.HEARTH_TEST_CLIENT_ID!,
  clientSecret: env.HEARTH_TEST_CLIENT_SECRET!,
});
globalThis.gc?.();
const before = process.memoryUsage().rss;
const peakBefore = process.resourceUsage().maxRSS * 1024;
const report = await readNotifications(session, { deadlineMs: 300_000, timeoutMs: 120_000 });
const peak = process.resourceUsage().maxRSS * 1024;
await session.logout();
process.stdout.write(
  `${JSON.stringify({
    rise: peak - Math.max(before, peakBefore),
    verified: report.notifications.filter((n) => n.verified).length,
    others: report.others.map((o) => o.reason),
    unread: report.unread,
  })}\n`,
);
