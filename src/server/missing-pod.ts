import type { IncomingMessage, ServerResponse } from 'node:http';

/** CSS makes pod names of letters, digits, `_` and `-` only (it replaces anything else): no other segment is a pod. */
const podName = /^[\w-]{1,255}$/u;
/** CSS's own top-level paths: `.account`, `.oidc`, `.well-known`, `.notifications`, ... */
const cssPath = /^\.[\w-]+$/u;

/** The part of CSS's PodStore used here. */
export interface PodLookup {
  /** The pod whose base URL is exactly `baseUrl`, if there is one. */
  findByBaseUrl: (baseUrl: string) => Promise<unknown>;
}

/**
 * Answers 404 for any URL in a pod that does not exist (never made, or deleted), where CSS would say 401 or 403
 * because nobody may read the server's root. Only CSS's pod store decides, and only for a first path segment that
 * could be a pod name: the answer never depends on what else is on the server's disk (`/x%2F..%2F..%2Fetc/` is
 * no pod, whether or not some folder has that name). Top-level dot names (`.account`, `.oidc`, ...) are CSS's own.
 */
export class MissingPodHandler {
  private readonly basePath: string;
  /** Pods seen to exist. Pods go only through account deletion, which calls `forget`. */
  private readonly known = new Set<string>();
  private forgotten = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly pods: PodLookup,
  ) {
    this.basePath = new URL(baseUrl).pathname;
  }

  /** Takes a request only when its first path segment names no pod. */
  async canHandle({ request }: { request: IncomingMessage }): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const segment = path.startsWith(this.basePath) ? (path.slice(this.basePath.length).split('/')[0] ?? '') : '';
    if (!segment || cssPath.test(segment) || !path.includes('/', this.basePath.length + segment.length)) {
      throw new Error('Not a path inside a pod');
    }
    if (podName.test(segment) && (await this.isPod(new URL(`${segment}/`, this.baseUrl).href)))
      throw new Error('The pod exists');
  }

  /** Forgets a pod that was just deleted. */
  forget(baseUrl: string): void {
    this.known.delete(baseUrl);
    this.forgotten += 1;
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: { request: IncomingMessage; response: ServerResponse }): Promise<void> {
    await this.canHandle(input);
    await this.handle(input);
  }

  /** Answers 404. */
  async handle({ response }: { response: ServerResponse }): Promise<void> {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('No such pod on this server.\n');
  }

  /** Asks the pod store once per pod (a lookup costs two locked reads of CSS's storage). */
  private async isPod(baseUrl: string): Promise<boolean> {
    if (this.known.has(baseUrl)) return true;
    const forgotten = this.forgotten;
    if (!(await this.pods.findByBaseUrl(baseUrl))) return false;
    // Not remembered when a pod was deleted meanwhile: it may be this one.
    if (forgotten === this.forgotten) this.known.add(baseUrl);
    return true;
  }
}
