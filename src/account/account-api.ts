import { HearthError, NetworkError } from '../errors.js';
import { NoAnswerError, requestTimeoutMs, withinTimeLimit } from '../request-timeout.js';

/** The `controls` tree CSS's account API answers with; only the parts Hearth uses are typed. */
export interface AccountControls {
  account?: { create?: string; pod?: string; clientCredentials?: string; webId?: string; logout?: string };
  password?: { create?: string; login?: string };
  [key: string]: unknown;
}

/** A client credential as CSS hands it out (the secret is shown only once). */
export interface ClientCredential {
  /** The `client_id` its tokens carry, `<name>_<uuid>`. */
  id: string;
  /** The client secret. */
  secret: string;
  /** URL of the credential in the account API (DELETE it to remove the credential). */
  resource: string;
}

/** Raised when CSS's account API refuses a call; the message is CSS's own explanation. */
export class AccountApiError extends HearthError {
  /** HTTP status of the refusal. */
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super('ACCOUNT_API', message, options);
    this.status = status;
  }
}

/** How an {@link AccountApi} talks to its server. */
export interface AccountApiOptions {
  /** Time each call may take, answer included, in ms (default: 30 s, or what `setDefaultRequestTimeout` set). */
  timeoutMs?: number;
}

/**
 * A small client for Community Solid Server's JSON account API (`/.account/`, API version 0.5). Every call has a time
 * limit: a server that takes the connection and never answers gives a {@link NoAnswerError}, never a hang.
 */
export class AccountApi {
  private token?: string;
  private controlsCache?: AccountControls;

  /** `server` is the server's base URL; `fetchFn` the (unauthenticated) fetch to use. */
  constructor(
    readonly server: string,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly options: AccountApiOptions = {},
  ) {}

  /** Creates a new, empty account and keeps its token for the next calls. */
  async createAccount(): Promise<void> {
    const controls = await this.controls();
    const { authorization } = await this.post<{ authorization: string }>(
      need(controls.account?.create, 'account.create'),
      {},
    );
    this.useToken(authorization);
  }

  /** Logs in with email and password and keeps the account token. */
  async login(email: string, password: string): Promise<void> {
    const controls = await this.controls();
    const { authorization } = await this.post<{ authorization: string }>(
      need(controls.password?.login, 'password.login'),
      { email, password },
    );
    this.useToken(authorization);
  }

  /**
   * Ends the account session (CSS's `account.logout`): its token no longer works anywhere. Does nothing when not
   * logged in; forgets the token even when the server could not be told.
   */
  async logout(): Promise<void> {
    if (!this.token) return;
    try {
      await this.post(need((await this.controls()).account?.logout, 'account.logout'), {});
    } finally {
      this.useToken(undefined);
    }
  }

  /** Adds an email/password login to the logged-in account; answers the login's resource URL. */
  async createPasswordLogin(email: string, password: string): Promise<string> {
    const { resource } = await this.post<{ resource: string }>(
      need((await this.controls()).password?.create, 'password.create'),
      { email, password },
    );
    return resource;
  }

  /** Creates a pod called `name`; answers its URL and the WebID CSS made for it. */
  async createPod(name: string): Promise<{ pod: string; webId: string }> {
    return this.post(need((await this.controls()).account?.pod, 'account.pod'), { name });
  }

  /** Lists the pods of the logged-in account as `{ podUrl: resourceUrl }`. */
  async listPods(): Promise<Record<string, string>> {
    const { pods } = await this.get<{ pods: Record<string, string> }>(
      need((await this.controls()).account?.pod, 'account.pod'),
    );
    return pods;
  }

  /** Lists the WebIDs linked to the logged-in account as `{ webId: resourceUrl }`. */
  async listWebIds(): Promise<Record<string, string>> {
    const { webIdLinks } = await this.get<{ webIdLinks: Record<string, string> }>(
      need((await this.controls()).account?.webId, 'account.webId'),
    );
    return webIdLinks;
  }

  /** Creates a client credential acting for `webId`. */
  async createClientCredential(name: string, webId: string): Promise<ClientCredential> {
    return this.post(need((await this.controls()).account?.clientCredentials, 'account.clientCredentials'), {
      name,
      webId,
    });
  }

  /** Lists the client credentials of the account as `{ id: resourceUrl }`. */
  async listClientCredentials(): Promise<Record<string, string>> {
    const { clientCredentials } = await this.get<{ clientCredentials: Record<string, string> }>(
      need((await this.controls()).account?.clientCredentials, 'account.clientCredentials'),
    );
    return clientCredentials;
  }

  /** Deletes a login or client credential by its resource URL (a credential's tokens stay valid until they expire). */
  async deleteResource(resource: string): Promise<void> {
    await this.request(resource, { method: 'DELETE' });
  }

  /** The controls of the API, with the account-specific ones once logged in. */
  async controls(): Promise<AccountControls> {
    this.controlsCache ??= (
      await this.get<{ controls: AccountControls }>(new URL('.account/', this.server).href)
    ).controls;
    return this.controlsCache;
  }

  private useToken(token: string | undefined): void {
    this.token = token;
    this.controlsCache = undefined;
  }

  private async get<T>(url: string): Promise<T> {
    return this.request<T>(url, { method: 'GET' });
  }

  private async post<T>(url: string, body: unknown): Promise<T> {
    return this.request<T>(url, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  private async request<T>(url: string, init: RequestInit): Promise<T> {
    // The account's token (or the browser's cookie) goes to its own server only, whatever URL a caller was given.
    if (new URL(url, this.server).origin !== new URL(this.server).origin)
      throw new AccountApiError(400, `Refusing to send ${this.server}'s account login to another server: ${url}`);
    const headers = new Headers(init.headers);
    headers.set('accept', 'application/json');
    if (this.token) headers.set('authorization', `CSS-Account-Token ${this.token}`);
    let response: Response;
    let text: string;
    try {
      // The whole call, body included, within the time limit.
      [response, text] = await withinTimeLimit(
        this.server,
        requestTimeoutMs(this.options.timeoutMs),
        init.signal,
        async (signal) => {
          const answer = await this.fetchFn(url, { ...init, headers, signal });
          return [answer, await answer.text()] as const;
        },
        `the account API (${init.method ?? 'GET'} ${new URL(url).pathname})`,
      );
    } catch (error: unknown) {
      if (error instanceof NoAnswerError || init.signal?.aborted) throw error;
      throw new NetworkError(this.server, error);
    }
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch (error: unknown) {
      if (!(error instanceof SyntaxError)) throw error;
      throw new AccountApiError(
        response.status,
        `${this.server} did not answer like a Solid account API: its answer to ${url} ` +
          `(${response.status}, ${response.headers.get('content-type') ?? 'no content type'}) is not JSON.`,
        { cause: error },
      );
    }
    if (!response.ok) {
      const reason = typeof json.message === 'string' ? json.message : `${response.status} ${response.statusText}`;
      throw new AccountApiError(response.status, reason);
    }
    return json as T;
  }
}

function need(url: string | undefined, name: string): string {
  if (!url)
    throw new AccountApiError(0, `The server's account API offers no ${name}: is it a Community Solid Server 7?`);
  return url;
}
