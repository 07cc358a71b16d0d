// The social and access rooms bundle for a browser: no Node built-in module, no Node-only package (issue 12).
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

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
