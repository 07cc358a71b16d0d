// The social, access and portability rooms bundle for a browser: no Node built-in module, no Node-only package (issue
// 12); and archives made by the page's face of portability and by the CLI's read each other.
import { createWriteStream, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { hashStream, type ArchiveSink, type ArchiveSource } from '../src/portability/archive-format.js';
import { ArchiveWriter, fileSource } from '../src/portability/node/archive-file.js';
import { emptySha256 } from '../src/portability/sha256.js';
import { BlobArchiveWriter, blobSource, verifyBlob } from '../src/portability/web.js';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/** The public functions of both rooms, as the web page's first load imports them. */
const publicEntry = `
export { getTimeline } from './social/timeline.js';
export { createPost, listPosts, editPost, deletePost, uploadImage } from './social/posts.js';
export { follow, unfollow, listFollowing } from './social/follows.js';
export { readNotifications, listFollowers } from './social/notifications.js';
export { setProfile } from './social/profile.js';
export { getProfile } from './social/discovery.js';
export { like, unlike, reply } from './social/interactions.js';
export { getThread } from './social/thread.js';
export { grantAccess, revokeAccess, listGrants, checkGrants } from './access/grants.js';
export { listAccessRequests, requestAccess, approveAccessRequest, denyAccessRequest } from './access/requests.js';
export { revokeApp, revokeAll } from './access/revoke.js';
export { fetchClientIdDocument } from './access/apps.js';
`;

/** Every module of both rooms, whole: nothing in them may need Node. */
const wholeRooms = ['social', 'access']
  .flatMap((room) =>
    readdirSync(`${src}${room}`)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `export * as ${room}_${name.replace(/\W/gu, '_')} from './${room}/${name}';`),
  )
  .join('\n');

/**
 * The Node faces of src/portability: files, tar-stream, zlib (node/, not listed here: only the folder's own files are
 * read), and the move, which makes an account with a password. Everything else in src/portability is what the web page
 * uses.
 */
const portabilityNodeFaces = new Set(['move.ts']);
const portabilityModules = readdirSync(`${src}portability`).filter(
  (name) => name.endsWith('.ts') && !portabilityNodeFaces.has(name),
);
const wholePortability = portabilityModules
  .map((name) => `export * as portability_${name.replace(/\W/gu, '_')} from './portability/${name}';`)
  .join('\n');

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const nodeOnlyPackages = ['@inrupt/solid-client-authn-node'];

/**
 * Fails the build on an import of a Node built-in (`node:*`, `fs`, ...) or of a Node-only package, naming the module
 * that imports it. A bare name such as `events` or `buffer` that resolves to a package in node_modules (n3's
 * readable-stream imports them) is that browser package, not Node's module.
 */
const nodeFree: Plugin = {
  name: 'node-free',
  setup(bundle) {
    bundle.onResolve({ filter: /.*/ }, async (args) => {
      if ((args.pluginData as { checked?: boolean } | undefined)?.checked) return undefined;
      const nodeOnly = nodeOnlyPackages.some((name) => args.path === name || args.path.startsWith(`${name}/`));
      if (!nodeOnly && !builtins.has(args.path)) return undefined;
      const where = `${args.path}, imported by ${args.importer.replace(src, 'src/') || 'the entry'}`;
      if (nodeOnly || args.path.startsWith('node:')) return { errors: [{ text: `Node-only module: ${where}` }] };
      const resolved = await bundle.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { checked: true },
      });
      if (resolved.errors.length > 0 || !resolved.path.includes('/node_modules/'))
        return { errors: [{ text: `Node built-in module: ${where}` }] };
      return { path: resolved.path };
    });
  },
};

/** Node's globals, which a browser lacks: the bundle marks each free use of one (not a package's own `process`). */
const nodeGlobals = ['Buffer', 'setImmediate', 'clearImmediate', 'process', 'global', '__dirname', '__filename'];

interface Bundle {
  /** The build's errors (empty when it built). */
  errors: string[];
  /** Node globals used as globals in the bundle. */
  globals: string[];
  /** Its size, minified and gzipped. */
  gzipBytes: number;
}

/** Bundles `contents` (a module in src/) for a browser, minified. */
async function bundle(contents: string): Promise<Bundle> {
  try {
    const result = await build({
      stdin: { contents, resolveDir: src, sourcefile: 'web-entry.ts', loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
      plugins: [nodeFree],
      define: Object.fromEntries(nodeGlobals.map((name) => [name, `__nodeGlobal_${name}`])),
    });
    const code = result.outputFiles.map((file) => file.text).join('\n');
    return {
      errors: [],
      globals: [...new Set(code.match(/__nodeGlobal_\w+/gu) ?? [])].map((name) => name.replace('__nodeGlobal_', '')),
      gzipBytes: result.outputFiles.reduce((sum, file) => sum + gzipSync(file.contents).byteLength, 0),
    };
  } catch (error: unknown) {
    const errors = (error as { errors?: { text: string }[] }).errors;
    if (!errors) throw error;
    return { errors: [...new Set(errors.map((e) => e.text))], globals: [], gzipBytes: 0 };
  }
}

const maxGzipBytes = 200 * 1024;
const publicBundle = await bundle(publicEntry);
const size = `${(publicBundle.gzipBytes / 1024).toFixed(1)} KB gzip`;

describe('the browser bundle of src/social and src/access', () => {
  it(`bundles the public functions with no Node module, in ${size} (at most ${maxGzipBytes / 1024} KB)`, () => {
    expect(publicBundle.errors).toEqual([]);
    expect(publicBundle.globals).toEqual([]);
    expect(publicBundle.gzipBytes).toBeGreaterThan(0);
    expect(publicBundle.gzipBytes).toBeLessThanOrEqual(maxGzipBytes);
  });

  it('bundles every module of both rooms with no Node built-in, Node global or Node-only package', async () => {
    const { errors, globals } = await bundle(wholeRooms);
    expect(errors).toEqual([]);
    expect(globals).toEqual([]);
  });
});

describe('the browser bundle of src/portability', () => {
  it('bundles every module but the Node faces with no Node built-in, Node global or Node-only package', async () => {
    expect(portabilityModules).toEqual(
      expect.arrayContaining(['web.ts', 'export-core.ts', 'import-core.ts', 'tar.ts']),
    );
    const { errors, globals } = await bundle(wholePortability);
    expect(errors).toEqual([]);
    expect(globals).toEqual([]);
  });

  it('finds the Node faces out: node/ does not bundle for a browser', async () => {
    const { errors } = await bundle(`export * from './portability/node/archive-file.js';`);
    expect(errors.join('\n')).toMatch(/Node-only module: node:fs/u);
  });
});

describe("archives of the page's face and of the CLI's", () => {
  const text = (value: string) => new TextEncoder().encode(value);
  /** Names tar must carry in a pax record or a ustar prefix, and a body larger than one Blob part of the page. */
  const long = `resources/${'a'.repeat(120)}/é-${'b'.repeat(120)}`;
  const prefixed = `resources/${'c'.repeat(80)}/${'d'.repeat(80)}`;
  const big = Uint8Array.from({ length: 5_000_000 }, (_, i) => (i * 7) % 251);

  async function entriesOf(source: ArchiveSource): Promise<string[]> {
    const seen: string[] = [];
    await source.read(async (entry) => {
      const { sha256, size } = await hashStream(entry.stream);
      seen.push(`${entry.type} ${entry.name} ${size} ${sha256.slice(0, 12)}`);
    });
    return seen;
  }

  async function writeAll(writer: ArchiveSink): Promise<void> {
    await writer.addDirectory('resources/');
    await writer.addFile(long, { kind: 'buffer', data: text('hello'), size: 5, sha256: '' });
    await writer.addFile(prefixed, { kind: 'blob', blob: new Blob([big]), size: big.length, sha256: '' });
    await writer.close();
  }

  it('read each other, entry for entry and byte for byte', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'hearth-archives-'));
    try {
      const page = new BlobArchiveWriter(true);
      await writeAll(page);
      const fromPage = join(folder, 'page.tar.gz');
      await writeFile(fromPage, new Uint8Array(await page.blob().arrayBuffer()));
      const cliFile = join(folder, 'cli.tar.gz');
      await writeAll(ArchiveWriter.create(cliFile));
      const cli = new Blob([await readFile(cliFile)]);

      const expected = [
        `directory resources/ 0 ${emptySha256.slice(0, 12)}`,
        `file ${long} 5 2cf24dba5fb0`,
        `file ${prefixed} ${big.length} ${(
          await hashStream(
            (async function* () {
              yield big;
            })(),
          )
        ).sha256.slice(0, 12)}`,
      ];
      expect(await entriesOf(fileSource(fromPage))).toEqual(expected); // The CLI reads the page's.
      expect(await entriesOf(blobSource(cli, 'cli.tar.gz'))).toEqual(expected); // The page reads the CLI's.
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("refuses in the page what the CLI refuses: a link, a name outside the pod's root, a gzip bomb", async () => {
    const folder = await mkdtemp(join(tmpdir(), 'hearth-archives-'));
    try {
      const tarOf = async (file: string, build: (pack: tar.Pack) => void) => {
        const pack = tar.pack();
        const done = pipeline(pack, createWriteStream(file));
        build(pack);
        pack.finalize();
        await done;
        return new Blob([await readFile(file)]);
      };
      const link = await tarOf(join(folder, 'link.tar'), (pack) => {
        pack.entry({ name: 'resources/', type: 'directory' });
        pack.entry({ name: 'resources/x', type: 'symlink', linkname: '/etc/passwd' });
      });
      await expect(entriesOf(blobSource(link, 'link.tar'))).rejects.toThrow(
        'The archive entry "resources/x" is a symlink; only files and folders are allowed.',
      );
      await expect(verifyBlob(link, 'link.tar')).rejects.toThrow(/symlink/u);
      const traversal = await tarOf(join(folder, 'up.tar'), (pack) => {
        pack.entry({ name: 'resources/', type: 'directory' });
        pack.entry({ name: 'resources/../../evil' }, 'x');
      });
      await expect(verifyBlob(traversal, 'up.tar')).rejects.toThrow(/would point outside the pod/u);
      // 100 MiB of zeros, some 100 KB compressed: past the 64 MiB allowance, a thousand times its size.
      const bomb = new Blob([
        gzipSync(
          await readFile(
            await (async () => {
              const file = join(folder, 'bomb.tar');
              await tarOf(file, (pack) =>
                pack.entry({ name: 'resources/zeros', size: 100 * 1024 ** 2 }, Buffer.alloc(100 * 1024 ** 2)),
              );
              return file;
            })(),
          ),
        ),
      ]);
      await expect(verifyBlob(bomb, 'bomb.tar.gz')).rejects.toThrow(/compression bomb/u);
      // Headers that lie about sizes: not a number, negative, a pax size that is not one; and pax headers describing
      // no entry, one after the other. Each is refused at once (before, a size of NaN read empty chunks forever).
      const raw = (name: string, flag: string, size: string | Uint8Array, body = new Uint8Array(0)) => {
        const header = new Uint8Array(512);
        header.set(text(name), 0);
        header.set(text('0000644\0'), 100);
        if (typeof size === 'string') header.set(text(size.padEnd(11, ' ') + '\0').subarray(0, 12), 124);
        else header.set(size, 124);
        header.set(text('00000000000\0'), 136);
        header.set(text(flag), 156);
        header.set(text('ustar\0' + '00'), 257);
        header.fill(0x20, 148, 156);
        const sum = header.reduce((total, byte) => total + byte, 0);
        header.set(text(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
        const padded = new Uint8Array(Math.ceil(body.length / 512) * 512);
        padded.set(body);
        return [header, padded];
      };
      const archiveOf = (...parts: Uint8Array[][]) => new Blob([...parts.flat(), new Uint8Array(1024)] as BlobPart[]);
      const paxOf = (record: string) => {
        const line = (rest: string) => {
          let length = rest.length + 2;
          while (`${length} ${rest}`.length !== length) length += 1;
          return `${length} ${rest}`;
        };
        return text(line(`${record}\n`));
      };
      const negative = new Uint8Array(12);
      negative[0] = 0xff;
      negative.fill(0xff, 1);
      const lies = [
        archiveOf(raw('resources/x', '0', 'zzzzzzzzzzz')),
        archiveOf(raw('resources/x', '0', '-0000001000')),
        archiveOf(raw('resources/x', '0', negative)),
        archiveOf(
          raw('PaxHeader', 'x', String(paxOf('size=abcd').length.toString(8)), paxOf('size=abcd')),
          raw('resources/x', '0', '0'),
        ),
        archiveOf(...Array.from({ length: 20 }, () => raw('PaxHeader', 'x', '12', text('11 a=bcdef\n')))),
      ];
      // The same headers telling the truth are read: the lies below are refused for their lies alone.
      expect(await entriesOf(blobSource(archiveOf(raw('resources/x', '0', '0')), 'true.tar'))).toEqual([
        `file resources/x 0 ${emptySha256.slice(0, 12)}`,
      ]);
      const truePax = archiveOf(
        raw('PaxHeader', 'x', paxOf('size=0').length.toString(8), paxOf('size=0')),
        raw('resources/y', '0', '0'),
      );
      expect(await entriesOf(blobSource(truePax, 'pax.tar'))).toEqual([
        `file resources/y 0 ${emptySha256.slice(0, 12)}`,
      ]);
      for (const [index, lie] of lies.entries()) {
        await expect(entriesOf(blobSource(lie, `lie-${index}.tar`)), `lie ${index}`).rejects.toThrow(
          /is not a Hearth export archive/u,
        );
      }
      await expect(verifyBlob(new Blob([text('not an archive at all')]), 'notes.txt')).rejects.toThrow(
        /notes\.txt is not a Hearth export archive/u,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
