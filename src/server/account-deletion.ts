import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The path, below the server's base URL, where an owner's manager asks the server to delete the account. */
export const accountDeletionPath = '.hearth/delete-account';

/** The few CSS components the deletion handler uses, as instantiated by Components.js. */
export interface DeletionComponents {
  credentialsExtractor: { handleSafe: (request: IncomingMessage) => Promise<{ agent?: { webId: string }; client?: { clientId: string } }> };
  permissionReader: { handleSafe: (input: { credentials: unknown; requestedModes: unknown }) => Promise<{ get: (id: { path: string }) => Record<string, boolean> | undefined }> };
  accountStorage: {
    find: (type: string, query: Record<string, string>) => Promise<Record<string, string>[]>;
    delete: (type: string, id: string) => Promise<void>;
  };
  podStore: { findPods: (accountId: string) => Promise<{ id: string; baseUrl: string }[]> };
  fileMapper: { mapUrlToFilePath: (identifier: { path: string }, isMetadata: boolean) => Promise<{ filePath: string }> };
  /** `new IdentifierSetMultiMap(entries)` from CSS. */
  accessMap: (entries: [{ path: string }, string][]) => unknown;
}

interface HandlerInput {
  request: IncomingMessage;
  response: ServerResponse;
}

/**
 * Deletes an account and everything of it: CSS 7.2 has no account deletion. Answers
 * `POST <base>.hearth/delete-account` with JSON `{ "pod": "<pod URL>" }`, only for a caller with Control over
 * that pod's root, which on a Hearth server is the owner through Hearth's manager client and nobody else.
 * It removes the pod's files, the account (logins, client credentials, pod and WebID records) and every
 * record of the server's `.internal/` folder that names the account, its WebID, pod or emails.
 */
export class AccountDeletionHandler {
  private readonly url: string;

  constructor(baseUrl: string, private readonly dataDir: string, private readonly components: DeletionComponents) {
    this.url = new URL(accountDeletionPath, baseUrl).pathname;
  }

  /** Takes only its own path; CSS's WaterfallHandler moves on to the next handler when this throws. */
  async canHandle({ request }: HandlerInput): Promise<void> {
    if ((request.url ?? '').split('?')[0] !== this.url) throw new Error('Not the account deletion path');
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: HandlerInput): Promise<void> {
    await this.canHandle(input);
    await this.handle(input);
  }

  /** Authorizes the caller, deletes the account, answers JSON. */
  async handle({ request, response }: HandlerInput): Promise<void> {
    try {
      if (request.method !== 'POST') return answer(response, 405, { message: 'Use POST.' });
      const credentials = await this.components.credentialsExtractor.handleSafe(request).catch(() => ({}) as { agent?: { webId: string } });
      const webId = credentials.agent?.webId;
      if (!webId) return answer(response, 401, { message: 'Authenticate as the pod owner through Hearth\'s manager.' });
      const pod = await readPodField(request);
      if (!pod) return answer(response, 400, { message: 'Send JSON { "pod": "<pod URL>" }.' });

      const link = (await this.components.accountStorage.find('webIdLink', { webId }))[0];
      const accountId = link?.accountId;
      const pods = accountId ? await this.components.podStore.findPods(accountId) : [];
      const owned = pods.find((candidate) => candidate.baseUrl === pod);
      if (!accountId || !owned) return answer(response, 403, { message: `${webId} does not own ${pod}.` });

      const permissions = await this.components.permissionReader.handleSafe({
        credentials,
        requestedModes: this.components.accessMap([[{ path: pod }, 'control']]),
      });
      if (!permissions.get({ path: pod })?.control) {
        return answer(response, 403, { message: 'Only the owner, through Hearth\'s manager client, may delete this account.' });
      }

      const emails = (await this.components.accountStorage.find('password', { accountId })).map((login) => login.email ?? '');
      for (const { baseUrl } of pods) {
        const { filePath } = await this.components.fileMapper.mapUrlToFilePath({ path: baseUrl }, false);
        await rm(filePath, { recursive: true, force: true });
      }
      await this.components.accountStorage.delete('account', accountId);
      const traces = [accountId, webId, ...pods.map((p) => p.baseUrl), ...emails].filter(Boolean);
      const swept = await sweepTraces(join(this.dataDir, '.internal'), traces);
      answer(response, 200, { deleted: pods.map((p) => p.baseUrl), webId, internalRecordsRemoved: swept });
    } catch (error: unknown) {
      answer(response, 500, { message: `Account deletion failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
}

/** Deletes every file below `folder` whose name or content mentions one of `traces` (raw or URL-encoded). */
async function sweepTraces(folder: string, traces: string[]): Promise<number> {
  const needles = [...new Set(traces.flatMap((trace) => [trace, encodeURIComponent(trace)]))];
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        // Whole account records are CSS's to delete (done above): never touch another account's record.
        if (path !== join(folder, 'accounts', 'data')) await walk(path);
      } else if (entry.isFile()) {
        const named = needles.some((needle) => entry.name.includes(needle));
        const small = (await stat(path)).size < 4_000_000;
        const content = !named && small ? await readFile(path, 'utf8').catch(() => '') : '';
        if (named || needles.some((needle) => content.includes(needle))) {
          await rm(path, { force: true });
          removed += 1;
        }
      }
    }
  };
  await walk(folder);
  return removed;
}

async function readPodField(request: IncomingMessage): Promise<string | undefined> {
  let body = '';
  for await (const chunk of request) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > 10_000) return undefined;
  }
  try {
    const pod = (JSON.parse(body) as { pod?: unknown }).pod;
    return typeof pod === 'string' ? pod : undefined;
  } catch {
    return undefined;
  }
}

function answer(response: ServerResponse, status: number, json: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(json));
}
