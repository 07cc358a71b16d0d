import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Answers 404 for any URL in a pod that does not exist (never made, or deleted), where CSS would say 401 or 403
 * because nobody may read the server's root. Pods are top-level folders of the file backend, so one `stat`
 * of `<data>/<first segment>` decides; paths starting with a dot (`.account`, `.oidc`, ...) are CSS's own.
 */
export class MissingPodHandler {
  private readonly basePath: string;

  constructor(baseUrl: string, private readonly dataDir: string) {
    this.basePath = new URL(baseUrl).pathname;
  }

  /** Takes a request only when its first path segment names no pod folder. */
  async canHandle({ request }: { request: IncomingMessage }): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const segment = path.startsWith(this.basePath) ? path.slice(this.basePath.length).split('/')[0] ?? '' : '';
    if (!segment || segment.startsWith('.') || !path.includes('/', this.basePath.length + segment.length)) {
      throw new Error('Not a path inside a pod');
    }
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      throw new Error('Not a pod name');
    }
    const exists = await stat(join(this.dataDir, name)).then((s) => s.isDirectory(), () => false);
    if (exists) throw new Error('The pod exists');
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
}
