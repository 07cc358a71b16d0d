// StreamingHTTPChannel2023 has no stored channel: a GET on `.notifications/StreamingHTTPChannel2023/<topic>` is
// authorized once and its response stays open, receiving every notification of the topic. Hearth ties each
// open stream to the credentials of the GET that opened it and checks them again before writing to it.
import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Credentials, TopicReadCheck } from './notification-guard.js';

/** Which credentials opened each stream; streams are only ever added while their request is handled. */
export type StreamOpeners = WeakMap<object, Credentials>;

/** CSS's credentials extractor. */
interface CredentialsExtractor {
  canHandle(request: IncomingMessage): Promise<void>;
  handle(request: IncomingMessage): Promise<Credentials>;
  handleSafe(request: IncomingMessage): Promise<Credentials>;
}

/** CSS's OperationHttpHandler, as CSS's StreamingHttpRequestHandler implements it. */
interface OperationHandler {
  canHandle(input: { request: IncomingMessage }): Promise<void>;
  handle(input: { request: IncomingMessage }): Promise<{ data?: unknown }>;
}

/** Wraps the credentials extractor of CSS's StreamingHttpRequestHandler: remembers what each request was. */
export class RecordingCredentialsExtractor implements CredentialsExtractor {
  /** Credentials per request, until the request is gone. */
  readonly seen = new WeakMap<IncomingMessage, Credentials>();

  constructor(private readonly source: CredentialsExtractor) {}

  /** As the source. */
  async canHandle(request: IncomingMessage): Promise<void> {
    await this.source.canHandle(request);
  }

  /** The source's credentials, remembered. */
  async handle(request: IncomingMessage): Promise<Credentials> {
    return this.remember(request, await this.source.handle(request));
  }

  /** The source's credentials, remembered. */
  async handleSafe(request: IncomingMessage): Promise<Credentials> {
    return this.remember(request, await this.source.handleSafe(request));
  }

  private remember(request: IncomingMessage, credentials: Credentials): Credentials {
    this.seen.set(request, credentials);
    return credentials;
  }
}

/** Wraps CSS's StreamingHttpRequestHandler: records which credentials opened the stream it answers with. */
export class StreamOpenerRecorder implements OperationHandler {
  constructor(
    private readonly source: OperationHandler,
    private readonly extractor: RecordingCredentialsExtractor,
    private readonly openers: StreamOpeners,
  ) {}

  /** As the source. */
  async canHandle(input: { request: IncomingMessage }): Promise<void> {
    await this.source.canHandle(input);
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: { request: IncomingMessage }): Promise<{ data?: unknown }> {
    await this.canHandle(input);
    return this.handle(input);
  }

  /** The source's answer; its stream is tied to the request's credentials. */
  async handle(input: { request: IncomingMessage }): Promise<{ data?: unknown }> {
    const response = await this.source.handle(input);
    const credentials = this.extractor.seen.get(input.request);
    if (typeof response.data === 'object' && response.data !== null && credentials)
      this.openers.set(response.data, credentials);
    return response;
  }
}

/**
 * Stands in for CSS's StreamingHttp2023Emitter: writes each notification only to the open streams whose opener
 * may still read the topic, and ends the others. A stream without a recorded opener is checked as the public.
 */
export class ReauthorizingStreamEmitter {
  constructor(
    private readonly streamMap: {
      get(topic: string): ReadonlySet<Writable> | undefined;
      deleteEntry(topic: string, stream: Writable): boolean;
    },
    private readonly openers: StreamOpeners,
    private readonly readCheck: TopicReadCheck,
  ) {}

  /** Takes everything, as CSS's emitter. */
  async canHandle(): Promise<void> {
    // Every notification of a streamed topic.
  }

  /** Same as handle. */
  async handleSafe(input: { channel: { topic: string }; representation: { data: Readable } }): Promise<void> {
    await this.handle(input);
  }

  /** Sends the notification as one chunk to every stream whose opener may read the topic; ends the others. */
  async handle({
    channel,
    representation,
  }: {
    channel: { topic: string };
    representation: { data: Readable };
  }): Promise<void> {
    const streams = [...(this.streamMap.get(channel.topic) ?? [])];
    if (streams.length === 0) {
      representation.data.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of representation.data)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const text = Buffer.concat(chunks).toString('utf8');
    const decisions = new Map<string, Promise<boolean>>();
    for (const stream of streams) {
      const credentials = this.openers.get(stream) ?? {};
      const key = JSON.stringify(credentials);
      // Fails closed on purpose: a stream whose opener's Read cannot be checked gets nothing and is ended (its opener
      // may open it again, authorized afresh); one stream's failed check must not keep the others from theirs.
      if (!decisions.has(key))
        decisions.set(
          key,
          this.readCheck.mayRead(credentials, channel.topic).catch(() => false),
        );
      if (await decisions.get(key)) {
        stream.write(text);
      } else {
        this.streamMap.deleteEntry(channel.topic, stream);
        stream.end();
      }
    }
  }
}
