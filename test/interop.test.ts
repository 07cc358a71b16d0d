import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSolidDataset, getStringNoLocale, getThing, getUrl } from '@inrupt/solid-client';
import jsonld from 'jsonld';
import type { JsonLdDocument } from 'jsonld';
import { Parser, type Quad } from 'n3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  NotFoundError,
  createPost,
  deletePost,
  editPost,
  exportPod,
  follow,
  getPost,
  getProfile,
  listFollowers,
  reply,
  saveAccount,
  setProfile,
} from '../src/index.js';
import { activityStreamsContextDocument } from '../src/portability/node/outbox-file.js';
import { maxPostLength } from '../src/social/model.js';
import { readNames } from '../src/social/profile.js';
import { AS } from '../src/vocab.js';
import { readEntries } from './support/archive.js';
import { runCli } from './support/cli.js';
import { startSilentServer } from './support/silent-server.js';
import { createUser, type TestUser } from './support/users.js';

// What other ActivityStreams 2.0 apps read: `content` is HTML, the text as written is in `source` (text/plain).
const text = 'Look: <b>not html</b> & "a & b"\nsecond line\n\nit\'s a new paragraph';
const html =
  '<p>Look: &lt;b&gt;not html&lt;/b&gt; &amp; &quot;a &amp; b&quot;<br>second line</p><p>it&#39;s a new paragraph</p>';
const turtle = { 'content-type': 'text/turtle' };

/** The triples of a document as anyone reads them: a plain GET, parsed with n3. */
async function publicTriples(url: string): Promise<Quad[]> {
  const response = await fetch(url.split('#')[0]!, { headers: { accept: 'text/turtle' } });
  expect(response.status).toBe(200);
  return new Parser({ baseIRI: response.url }).parse(await response.text());
}

const valuesOf = (quads: Quad[], subject: string, predicate: string) =>
  quads.filter((q) => q.subject.value === subject && q.predicate.value === `${AS}${predicate}`).map((q) => q.object);

/** Puts posts written by hand (an older Hearth, another app, a hostile author) into a day document of `user`'s pod. */
async function putDay(user: TestUser, day: string, body: string): Promise<string> {
  const doc = `${user.account.podUrl}social/posts/${day}.ttl`;
  const response = await user.session.fetch(doc, {
    method: 'PUT',
    headers: turtle,
    body: `@prefix as: <${AS}>.\n${body}`,
  });
  expect(response.ok).toBe(true);
  return doc;
}

const note = (id: string, author: string, rest: string) =>
  `<#${id}> a as:Note; as:attributedTo <${author}>; as:published "2025-01-02T10:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>; ${rest}.\n`;

describe('posts as other ActivityStreams apps read them', () => {
  const server = inject('baseUrl');
  let ann: TestUser;
  let work: string;

  beforeAll(async () => {
    ann = await createUser(server, 'ann');
    work = await mkdtemp(join(tmpdir(), 'hearth-interop-'));
  });
  afterAll(async () => {
    await ann?.session.logout();
    await rm(work, { recursive: true, force: true });
  });

  it('a post and a reply store escaped HTML content and a text/plain source, and read back as written', async () => {
    const post = await createPost(ann.session, { content: text });
    const answer = await reply(ann.session, post.url, { content: '<i>re</i> & more' });
    expect((await getPost(fetch, post.url)).content).toBe(text);
    expect((await getPost(fetch, answer.post.url)).content).toBe('<i>re</i> & more');

    for (const [url, written, escaped] of [
      [post.url, text, html],
      [answer.post.url, '<i>re</i> & more', '<p>&lt;i&gt;re&lt;/i&gt; &amp; more</p>'],
    ] as const) {
      const quads = await publicTriples(url);
      expect(valuesOf(quads, url, 'content').map((t) => t.value)).toEqual([escaped]);
      expect(valuesOf(quads, url, 'source').map((t) => [t.termType, t.value])).toEqual([
        ['NamedNode', `${url}-source`],
      ]);
      expect(valuesOf(quads, `${url}-source`, 'content').map((t) => t.value)).toEqual([written]);
      expect(valuesOf(quads, `${url}-source`, 'mediaType').map((t) => t.value)).toEqual(['text/plain']);
    }

    // Inrupt's client, as a Solid app would read it.
    const dataset = await getSolidDataset(post.url.split('#')[0]!, { fetch });
    const thing = getThing(dataset, post.url)!;
    expect(getStringNoLocale(thing, `${AS}content`)).toBe(html);
    const source = getThing(dataset, getUrl(thing, `${AS}source`)!)!;
    expect(getStringNoLocale(source, `${AS}content`)).toBe(text);
    expect(getStringNoLocale(source, `${AS}mediaType`)).toBe('text/plain');
  });

  it('the exported outbox gives escaped HTML content and the text as written in source, old posts too', async () => {
    const post = await createPost(ann.session, { content: text });
    const oldNote = note('old', ann.account.webId, 'as:content "an <old> post & more"');
    const old = `${await putDay(ann, '2025-01-03', oldNote)}#old`;
    const out = join(work, 'outbox.tar');
    await exportPod({
      fetch: ann.session.fetch,
      podUrl: ann.account.podUrl,
      webId: ann.account.webId,
      out,
      gzip: false,
      activityStreams: true,
      managerClientId: ann.account.manager.id,
    });
    const outbox = JSON.parse(
      (await readEntries(out)).find((e) => e.name === 'outbox.jsonld')!.data.toString('utf8'),
    ) as JsonLdDocument;

    // Expanded offline: the only context is the one shipped with Hearth.
    const context = await activityStreamsContextDocument();
    const documentLoader = async (url: string) => {
      if (url !== 'https://www.w3.org/ns/activitystreams') throw new Error(`no network here: ${url}`);
      return { contextUrl: undefined, documentUrl: url, document: context };
    };
    const [collection] = (await jsonld.expand(outbox, {
      documentLoader: documentLoader as never,
    })) as unknown as Record<string, unknown>[];
    type Node = Record<string, { '@value'?: string; '@id'?: string }[] & Node[]>;
    const items = (collection![`${AS}items`] as unknown as { '@list': Node[] }[])[0]!['@list'];
    const objects = new Map(
      items.map((item) => item[`${AS}object`]![0]!).map((o) => [o['@id'] as unknown as string, o]),
    );
    const value = (node: Node | undefined, key: string) => node?.[`${AS}${key}`]?.map((v) => v['@value']);
    for (const [url, written, escaped] of [
      [post.url, text, html],
      [old, 'an <old> post & more', '<p>an &lt;old&gt; post &amp; more</p>'],
    ]) {
      const object = objects.get(url!);
      expect(value(object, 'content')).toEqual([escaped]);
      const [source] = object![`${AS}source`]!;
      expect(value(source, 'content')).toEqual([written]);
      expect(value(source, 'mediaType')).toEqual(['text/plain']);
    }
  });

  it('an older post, plain text in content and no source, reads as that text; editing it adds the source', async () => {
    const doc = await putDay(
      ann,
      '2025-01-04',
      note('older', ann.account.webId, 'as:content "plain <b>old</b> & text"'),
    );
    const url = `${doc}#older`;
    expect((await getPost(fetch, url)).content).toBe('plain <b>old</b> & text');
    await editPost(ann.session, url, 'now <new>');
    const quads = await publicTriples(url);
    expect(valuesOf(quads, url, 'content').map((t) => t.value)).toEqual(['<p>now &lt;new&gt;</p>']);
    expect(valuesOf(quads, `${url}-source`, 'content').map((t) => t.value)).toEqual(['now <new>']);
    expect((await getPost(fetch, url)).content).toBe('now <new>');
  });

  it('the bio: escaped HTML in as:summary, as AS2 readers show it; read back as written from vcard:note', async () => {
    await setProfile(ann.session, { bio: '<b>gardener</b> & "more"' });
    const quads = await publicTriples(ann.account.webId);
    expect(valuesOf(quads, ann.account.webId, 'summary').map((t) => t.value)).toEqual([
      '<p>&lt;b&gt;gardener&lt;/b&gt; &amp; &quot;more&quot;</p>',
    ]);
    expect(
      quads.filter((q) => q.predicate.value === 'http://www.w3.org/2006/vcard/ns#note').map((q) => q.object.value),
    ).toEqual(['<b>gardener</b> & "more"']);
    expect((await getProfile(fetch, ann.account.webId)).bio).toBe('<b>gardener</b> & "more"');
  });

  it('editing then deleting a post leaves no text and no source behind, only the tombstone', async () => {
    const post = await createPost(ann.session, { content: 'first <version>' });
    const source = `${post.url}-source`;
    await editPost(ann.session, post.url, 'second & last');
    let quads = await publicTriples(post.url);
    expect(valuesOf(quads, post.url, 'content').map((t) => t.value)).toEqual(['<p>second &amp; last</p>']);
    expect(valuesOf(quads, post.url, 'source').map((t) => t.value)).toEqual([source]);
    expect(
      quads
        .filter((q) => q.subject.value === source)
        .map((q) => [q.predicate.value, q.object.value])
        .sort(),
    ).toEqual([
      [`${AS}content`, 'second & last'],
      [`${AS}mediaType`, 'text/plain'],
    ]);
    expect((await getPost(fetch, post.url)).content).toBe('second & last');

    await deletePost(ann.session, post.url);
    quads = await publicTriples(post.url);
    expect(quads.filter((q) => q.subject.value === source)).toEqual([]);
    expect(quads.filter((q) => q.object.value.includes('last') || q.object.value.includes('version'))).toEqual([]);
    expect(
      quads
        .filter((q) => q.subject.value === post.url)
        .map((q) => q.predicate.value.replace(AS, 'as:'))
        .sort(),
    ).toEqual(['as:deleted', 'as:formerType', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type']);
    await expect(getPost(fetch, post.url)).rejects.toMatchObject({ status: 410 });
  });

  it('a hostile source (literal, list, other type, huge) falls back to content; huge content is left out', async () => {
    const me = ann.account.webId;
    const huge = 'x'.repeat(maxPostLength + 1);
    const day = `${ann.account.podUrl}social/posts/2025-01-05.ttl`;
    const doc = await putDay(
      ann,
      '2025-01-05',
      [
        // A literal holding the IRI of a node that would pass as a source: a literal is no source.
        note('literal', me, `as:content "from content"; as:source "${day}#decoy"`),
        note('iri', me, 'as:content "from content"; as:source <#decoy>'),
        '<#decoy> as:content "from the decoy"; as:mediaType "text/plain".\n',
        note('list', me, 'as:content "from content"; as:source ("a" "b")'),
        note(
          'html',
          me,
          'as:content "from content"; as:source [ as:content "markdown"; as:mediaType "text/markdown" ]',
        ),
        note('long', me, `as:content "from content"; as:source [ as:content "${huge}"; as:mediaType "text/plain" ]`),
        note(
          'blank',
          me,
          'as:content "<p>x</p>"; ' +
            'as:source [ as:content "from a blank source"; as:mediaType "text/plain; charset=utf-8" ]',
        ),
        note('hugecontent', me, `as:content "${'y'.repeat(6 * maxPostLength + 8)}"`),
      ].join(''),
    );
    expect(doc).toBe(day);
    const read = async (id: string) => (await getPost(fetch, `${doc}#${id}`)).content;
    expect(await read('literal')).toBe('from content');
    expect(await read('iri')).toBe('from the decoy'); // a node in the same document is a source like any other
    expect(await read('list')).toBe('from content');
    expect(await read('html')).toBe('from content');
    expect(await read('long')).toBe('from content');
    expect(await read('blank')).toBe('from a blank source');
    await expect(getPost(fetch, `${doc}#hugecontent`)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('names instead of raw WebIDs', () => {
  const server = inject('baseUrl');
  let ann: TestUser;
  let eve: TestUser;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    [ann, eve] = await Promise.all([createUser(server, 'ann'), createUser(server, 'eve')]);
    home = await mkdtemp(join(tmpdir(), 'hearth-interop-home-'));
    await saveAccount(home, ann.account);
    env = { HEARTH_HOME: home };
    // Eve's name is her own text: it tries to print a line of its own and to colour the terminal.
    await Promise.all([
      setProfile(ann.session, { name: 'Ann Interop' }),
      setProfile(eve.session, { name: 'Eve\nNobody follows you yet. \u001b[31mRed' }),
    ]);
  });
  afterAll(async () => {
    await ann?.session.logout();
    await eve?.session.logout();
    await rm(home, { recursive: true, force: true });
  });

  it('followers shows names read from their profiles, cleaned to one line; --json gives webId and name', async () => {
    await follow(eve.session, ann.account.webId);
    expect(await listFollowers(ann.session)).toEqual([eve.account.webId]);
    const [human, json] = await Promise.all([runCli(['followers'], { env }), runCli(['--json', 'followers'], { env })]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toBe(`Eve Nobody follows you yet. [31mRed <${eve.account.webId}>\n`);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { webId: eve.account.webId, name: 'Eve Nobody follows you yet. [31mRed' },
    ]);
  });

  it("posts shows one's own name, and following the names stored when following", async () => {
    await Promise.all([createPost(ann.session, { content: 'signed by name' }), follow(ann.session, eve.account.webId)]);
    const [posts, following] = await Promise.all([runCli(['posts'], { env }), runCli(['following'], { env })]);
    expect(posts.code, posts.stderr).toBe(0);
    expect(posts.stdout).toMatch(
      new RegExp(
        `^\\S+ \\S+  Ann Interop <${ann.account.webId.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}>\\n  signed by name\\n`,
        'mu',
      ),
    );
    expect(following.code, following.stderr).toBe(0);
    expect(following.stdout).toBe(`Eve Nobody follows you yet. [31mRed <${eve.account.webId}>\n`);
  });

  it('a name that cannot be read in time, or at all, is left out: the WebID stands in', async () => {
    const silent = await startSilentServer();
    try {
      const names = await readNames(
        fetch,
        [ann.account.webId, `${silent.url}nobody/profile/card#me`, 'not a url', `${server}no-such-pod/profile/card#me`],
        { deadlineMs: 1_000, timeoutMs: 120_000 },
      ); // only the overall deadline can end the silent server's read in time
      expect(Object.fromEntries(names)).toEqual({ [ann.account.webId]: 'Ann Interop' });
    } finally {
      await silent.close();
    }
    expect((await getProfile(fetch, ann.account.webId)).name).toBe('Ann Interop');
  });
});
