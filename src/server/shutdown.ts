import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerFactory } from './listen-host.js';

/** A WebSocket of a notification channel, as CSS's `WebSocketMap` holds it. */
interface ChannelSocket {
  close(code?: number, reason?: string): void;
}

/** A StreamingHTTPChannel2023 stream, as CSS's `StreamingHttpMap` holds it: ending it ends its response. */
interface ChannelStream {
  end(): void;
}

/** CSS's maps of open notification channels (`WebSocketMap`, `StreamingHttpMap`), as far as stopping needs them. */
export interface ChannelMaps {
  /** The WebSockets of WebSocketChannel2023 channels. */
  sockets?: { values(): Iterable<ChannelSocket> };
  /** The streams of StreamingHTTPChannel2023 requests. */
  streams?: { values(): Iterable<ChannelStream> };
}

/**
 * How long each half of stopping (`drain`, `cut`) lets requests and channels finish before going on, unless told
 * otherwise (1 s).
 */
export const defaultGraceMs = 1_000;

/**
 * Keeps every connection of the HTTP servers CSS makes (keep-alive sockets, streaming responses, upgraded WebSockets)
 * and its notification channels, so that stopping the server closes them all. CSS's own stop only closes the listening
 * socket and waits for connections to end, which notification channels and streams never do.
 */
export class ConnectionTracker {
  private readonly servers = new Set<Server>();
  private readonly sockets = new Set<Socket>();
  private readonly upgraded = new Set<Socket>();
  /** The latest response of each connection. */
  private readonly responses = new Map<Socket, ServerResponse>();
  private readonly channels: ChannelMaps[] = [];

  /** Tracks the servers `factory` creates and every connection they accept (upgraded ones included). */
  watch(factory: ServerFactory): void {
    const createServer = factory.createServer.bind(factory);
    factory.createServer = async () => {
      const server = (await createServer()) as Server;
      this.servers.add(server);
      server.on('connection', (socket: Socket) => {
        this.sockets.add(socket);
        socket.once('close', () => {
          this.sockets.delete(socket);
          this.upgraded.delete(socket);
          this.responses.delete(socket);
        });
      });
      server.on('request', (request: IncomingMessage, response: ServerResponse) =>
        this.responses.set(request.socket, response),
      );
      server.on('upgrade', (request: IncomingMessage) => this.upgraded.add(request.socket));
      return server;
    };
  }

  /** Tracks CSS's notification channels: the WebSockets of `WebSocketMap` and the streams of `StreamingHttpMap`. */
  watchChannels(channels: ChannelMaps): void {
    this.channels.push(channels);
  }

  /** Connections open now. */
  get open(): number {
    return this.sockets.size;
  }

  /**
   * The first half of stopping, while the server still listens: notification WebSockets get a close frame (1001, going
   * away) and streams end; then it waits, at most `graceMs`, for every answer being written to finish and every
   * WebSocket to close.
   */
  async drain(graceMs = defaultGraceMs): Promise<void> {
    for (const { sockets, streams } of this.channels) {
      for (const socket of [...(sockets?.values() ?? [])])
        ignoreErrors(() => socket.close(1001, 'The server is stopping'));
      for (const stream of [...(streams?.values() ?? [])]) ignoreErrors(() => stream.end());
    }
    await until(
      () => this.upgraded.size === 0 && [...this.responses.values()].every((r) => r.writableFinished),
      graceMs,
    );
  }

  /**
   * The second half, once the server no longer listens: idle keep-alive connections close at once (never one whose
   * answer is still being flushed), and whatever is still open after `graceMs` is cut.
   */
  async cut(graceMs = defaultGraceMs): Promise<void> {
    await until(() => {
      if (![...this.responses.values()].some((r) => r.writableEnded && !r.writableFinished)) {
        for (const server of this.servers) server.closeIdleConnections();
      }
      return this.sockets.size === 0;
    }, graceMs);
    for (const server of this.servers) server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
  }
}

/** Resolves when `done()` holds (checked every 25 ms) or after `ms`. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Runs one step of closing a channel, ignoring its failure: whatever it leaves open is cut by `cut` anyway. */
function ignoreErrors(step: () => void): void {
  try {
    step();
  } catch {
    // Already closed, or closing it failed: stopping goes on either way (see above).
  }
}
