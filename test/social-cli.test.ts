import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { createPost, getPost, saveAccount, setProfile, type Post } from '../src/index.js';
import { runCli } from './support/cli.js';
import { cliHome, ownUser } from './support/social-fixtures.js';
import { createUser, type TestUser } from './support/users.js';

describe('hearth social commands', () => {
  const server = inject('baseUrl');
  let carol: TestUser;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    carol = await createUser(server, 'carol');
    home = await mkdtemp(join(tmpdir(), 'hearth-home-'));
    await saveAccount(home, carol.account);
    env = { HEARTH_HOME: home };
  });
  afterAll(async () => {
    await carol?.session.logout();
    await rm(home, { recursive: true, force: true });
  });

  it('the timeline shows followed people by name, and nothing in their text can steer the terminal', async () => {
    // A reader of its own: following dave must not change the timeline the other tests read.
    const [reader, dave] = await Promise.all([ownUser(server, 'carol'), ownUser(server, 'dave')]);
    const { env, remove } = await cliHome(reader.account);
    onTestFinished(remove);
    await setProfile(dave.session, { name: 'Dave \u001b[31mRed\u001b[0m' });
    await createPost(dave.session, { content: 'hello \u001b]0;owned\u0007 world \u202eevil' });
    expect((await runCli(['follow', dave.account.webId], { env })).code).toBe(0);
    const human = await runCli(['timeline'], { env });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`Dave .*Red.* <${dave.account.webId.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}>`, 'u'),
    );
    expect(human.stdout).toContain('hello');
    // eslint-disable-next-line no-control-regex -- the terminal control characters that must never reach the output
    expect(human.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/u);
    // --json keeps the text exactly as written (JSON escapes it).
    const json = JSON.parse((await runCli(['--json', 'timeline'], { env })).stdout) as { posts: Post[] };
    expect(json.posts.find((p) => p.author === dave.account.webId)?.content).toBe(
      'hello \u001b]0;owned\u0007 world \u202eevil',
    );
  });

  it('post prints the URL of a post that round-trips its text; posts --json lists it with counts', async () => {
    const text = 'From the CLI: "quoted" \n next line 🎉';
    const image = join(home, 'tiny.png');
    await writeFile(image, Buffer.from('89504e470d0a1a0a', 'hex'));
    const posted = await runCli(['post', text, '--image', image], { env });
    expect(posted.stderr).toBe('');
    expect(posted.code).toBe(0);
    const url = posted.stdout.trim();
    expect(url).toMatch(new RegExp(`^${carol.account.podUrl}social/posts/.+#.+$`, 'u'));
    const read = await getPost(fetch, url);
    expect(read.content).toBe(text);
    expect(read.attachments[0]?.mediaType).toBe('image/png');

    const listed = await runCli(['--json', 'posts'], { env });
    expect(listed.code).toBe(0);
    const posts = JSON.parse(listed.stdout) as Post[];
    expect(posts[0]).toMatchObject({ url, content: text, likes: 0, replies: 0 });
  });

  it('timeline --json gives posts and errors', async () => {
    await createPost(carol.session, { content: 'for the timeline' });
    const result = await runCli(['timeline', '--limit', '5', '--json'], { env });
    expect(result.code).toBe(0);
    const timeline = JSON.parse(result.stdout) as { posts: Post[]; errors: unknown[] };
    expect(timeline.errors).toEqual([]);
    expect(timeline.posts[0]?.author).toBe(carol.account.webId);
  });

  it('profile set then show', async () => {
    const set = await runCli(['profile', 'set', '--name', 'Carol ✨', '--bio', 'hi there'], { env });
    expect(set.code).toBe(0);
    const shown = await runCli(['profile', 'show', '--json'], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'Carol ✨', bio: 'hi there', webId: carol.account.webId });
  });

  it('a bad URL gives a one-line reason and a non-zero exit', async () => {
    for (const args of [
      ['like', 'not-a-url'],
      ['edit', `${carol.account.podUrl}social/posts/2000-01-01.ttl#nope`, 'x'],
      ['timeline', '--limit', 'lots'],
    ]) {
      const result = await runCli(args, { env });
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^hearth: .+\n$/u);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
