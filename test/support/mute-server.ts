import { createServer, type Server as NetServer, type Socket } from 'node:net';

/** A loopback TCP server that accepts every connection, reads what is sent, and never answers a byte. */
export interface MuteServer {
  /** `http://127.0.0.1:PORT/`. */
  url: string;
  /** Connections it accepted so far. */
  connections(): number;
  /** Stops it, cutting every connection it holds. */
  close(): Promise<void>;
}

/** Starts a {@link MuteServer} on 127.0.0.1, on a port the system picks. */
export async function startMuteServer(): Promise<MuteServer> {
  const server = createServer((socket) => {
    socket.on('data', () => undefined); // read and drop: never a reply
    socket.on('error', () => undefined);
  });
  return listenMute(server);
}

/** Listens on 127.0.0.1 and keeps track of every connection, to count them and cut them on close. */
async function listenMute(server: NetServer): Promise<MuteServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    connections: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A loopback HTTP server that looks like a pod server at first (it answers `GET /.account/` with CSS's account API
 * controls) and then never answers anything else: it gets past a "does it answer" check, and hangs the next request.
 */
export async function startHalfMuteServer(): Promise<MuteServer> {
  const { createServer: createHttpServer } = await import('node:http');
  const server = createHttpServer((request, response) => {
    if (request.method === 'GET' && request.url === '/.account/') {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          version: '0.5',
          controls: {
            account: { create: `${base}.account/account/` },
            password: { login: `${base}.account/login/password/` },
          },
        }),
      );
    }
    // Anything else: never answered.
  });
  return listenMute(server);
}
