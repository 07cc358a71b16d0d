import { createServer } from 'node:http';
import type { Socket } from 'node:net';

/** A loopback HTTP server that accepts every request and never answers: slow profiles, slow Client ID Documents. */
export interface SilentServer {
  /** Its base URL, `http://127.0.0.1:PORT/`. */
  url: string;
  /** Requests it received so far (each left hanging). */
  requests(): number;
  /** Stops it, cutting every open connection. */
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1, port 0, whose every path hangs until the client gives up. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let received = 0;
  const server = createServer(() => {
    received += 1; // never answered
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    requests: () => received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
