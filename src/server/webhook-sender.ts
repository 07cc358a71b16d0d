import { randomUUID } from 'node:crypto';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { parseWebhookTarget, publicOnlyLookup } from './webhook-targets.js';

/** The WebhookChannel2023 channel type IRI. */
export const webhookChannelType = 'http://www.w3.org/ns/solid/notifications#WebhookChannel2023';

type Jwk = Record<string, unknown> & { alg: string };
/** The part of `jose` used here, CSS's own copy (so tokens are made exactly as CSS makes them). */
interface Jose {
  importJWK: (jwk: Jwk) => Promise<unknown>;
  calculateJwkThumbprint: (jwk: Jwk, digest: 'sha256') => Promise<string>;
  SignJWT: new (payload: Record<string, unknown>) => SignJwt;
}
interface SignJwt {
  setProtectedHeader(header: Record<string, unknown>): SignJwt;
  setIssuedAt(time: number): SignJwt;
  setExpirationTime(time: number): SignJwt;
  setAudience(audience: string[]): SignJwt;
  setIssuer(issuer: string): SignJwt;
  setJti(jti: string): SignJwt;
  sign(key: unknown): Promise<string>;
}
const requireHere = createRequire(import.meta.url);
const jose = createRequire(requireHere.resolve('@solid/community-server/package.json'))('jose') as Jose;

/** What a NotificationEmitter receives from CSS. */
export interface EmitterInput {
  channel: { id: string; type: string; sendTo?: string };
  representation: { metadata: { contentType?: string }; data: Readable };
}

/** How the sender signs and where it may send. */
export interface WebhookSenderOptions {
  /** The server's base URL: the token's issuer. */
  baseUrl: string;
  /** The WebID the server signs webhooks as (CSS's `WebhookWebIdRoute`). */
  webId: string;
  /** CSS's `JwkGenerator`: the server's signing key. */
  jwkGenerator: { getPrivateKey(): Promise<Jwk>; getPublicKey(): Promise<Jwk> };
  /** Send to loopback and private addresses too. */
  allowPrivate: boolean;
  /** How long the token is valid, in minutes (CSS: 20). */
  expirationMinutes?: number;
  /** How long a target may stay silent before the request is dropped, in ms. */
  timeoutMs?: number;
}

/**
 * Stands in for CSS's WebhookEmitter: the same POST with the same DPoP-bound token and proof, but the connection
 * may only go to a public address (checked on the addresses the socket uses, see webhook-targets.ts) unless
 * `allowPrivate`, redirects are not followed (CSS's would, to anywhere), and a silent target is dropped.
 */
export class WebhookSender {
  constructor(private readonly options: WebhookSenderOptions) {}

  /** Takes only webhook channels. */
  async canHandle({ channel }: EmitterInput): Promise<void> {
    if (channel.type !== webhookChannelType || !channel.sendTo)
      throw new Error(`${channel.id} is not a WebhookChannel2023 channel.`);
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: EmitterInput): Promise<void> {
    await this.canHandle(input);
    await this.handle(input);
  }

  /** Signs and sends the notification; rejects if the target is refused, fails or answers an error. */
  async handle({ channel, representation }: EmitterInput): Promise<void> {
    const body = await readText(representation.data);
    const target = channel.sendTo!;
    const url = parseWebhookTarget(target, this.options.allowPrivate);
    const { dpop, token } = await this.sign(target);
    const headers: Record<string, string> = {
      authorization: `DPoP ${token}`,
      dpop,
      'content-length': String(Buffer.byteLength(body)),
    };
    if (representation.metadata.contentType) headers['content-type'] = representation.metadata.contentType;
    const status = await post(url, body, {
      method: 'POST',
      headers,
      timeout: this.options.timeoutMs ?? 10_000,
      ...(this.options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
    });
    if (status >= 300) throw new Error(`The webhook ${target} answered ${status}.`);
  }

  /** The token and proof CSS's WebhookEmitter makes (Solid-OIDC-like, signed by the server's own key). */
  private async sign(target: string): Promise<{ token: string; dpop: string }> {
    const privateKey = await this.options.jwkGenerator.getPrivateKey();
    const publicKey = await this.options.jwkGenerator.getPublicKey();
    const key = await jose.importJWK(privateKey);
    const thumbprint = await jose.calculateJwkThumbprint(publicKey, 'sha256');
    const time = Math.floor(Date.now() / 1000);
    const { webId } = this.options;
    const token = await new jose.SignJWT({ webid: webId, azp: webId, sub: webId, cnf: { jkt: thumbprint } })
      .setProtectedHeader({ alg: privateKey.alg, kid: thumbprint })
      .setIssuedAt(time)
      .setExpirationTime(time + (this.options.expirationMinutes ?? 20) * 60)
      .setAudience([webId, 'solid'])
      .setIssuer(this.options.baseUrl.replace(/\/+$/u, ''))
      .setJti(randomUUID())
      .sign(key);
    const dpop = await new jose.SignJWT({ htu: target, htm: 'POST' })
      .setProtectedHeader({ alg: privateKey.alg, jwk: publicKey, typ: 'dpop+jwt' })
      .setIssuedAt(time)
      .setJti(randomUUID())
      .sign(key);
    return { token, dpop };
  }
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** POSTs `body` and resolves with the status; the answer's body is not read. */
async function post(url: URL, body: string, options: RequestOptions): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const request = send(url, options, (response) => {
      response.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error(`The webhook ${url.href} did not answer in time.`)));
    request.on('error', reject);
    request.end(body);
  });
}
