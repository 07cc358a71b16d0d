import type { Server } from 'node:net';

/** The address a Hearth server listens on unless told otherwise: this machine only. */
export const defaultHost = '127.0.0.1';

/** CSS's `urn:solid-server:default:ServerFactory`: what its ServerInitializer gets the HTTP server from. */
export interface ServerFactory {
  createServer: () => Promise<Server>;
}

/**
 * Makes the servers `factory` creates listen on `host` only. CSS 7.2's ServerInitializer calls
 * `server.listen(port)`, which takes every interface; a port given alone now goes with `host`.
 */
export function listenOnHost(factory: ServerFactory, host: string): void {
  const createServer = factory.createServer.bind(factory);
  factory.createServer = async () => {
    const server = await createServer();
    const listen = server.listen.bind(server) as (...args: unknown[]) => Server;
    server.listen = ((...args: unknown[]) =>
      args.length === 1 && typeof args[0] === 'number' ? listen(args[0], host) : listen(...args)) as Server['listen'];
    return server;
  };
}
