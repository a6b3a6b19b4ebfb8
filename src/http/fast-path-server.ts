import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * Offered every request before Fastify; returns true when it took the request, which it then
 * answers itself. It must decide before doing anything a second answer would repeat.
 */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

/** What Fastify passes a server factory: its handler and its resolved server options. */
type FastifyHandler = (request: IncomingMessage, response: ServerResponse) => void;
type FastifyServerOptions = Record<string, unknown>;

/**
 * Fastify's `serverFactory`: the HTTP/1 server Fastify would make itself, with the same timeouts
 * and limits (fastify/lib/server.js), except that each request is first offered to the fast
 * path. `fastPath` is read per request because it exists only once the routes do.
 */
export function serverWithFastPath(fastPath: () => FastPath | undefined) {
  return (fastify: FastifyHandler, options: FastifyServerOptions): Server => {
    const server = createServer(
      (options.http ?? {}) as Parameters<typeof createServer>[0],
      (request, response) => {
        if (fastPath()?.(request, response) !== true) fastify(request, response);
      },
    );
    server.keepAliveTimeout = options.keepAliveTimeout as number;
    server.requestTimeout = options.requestTimeout as number;
    server.setTimeout(options.connectionTimeout as number);
    const maxRequestsPerSocket = options.maxRequestsPerSocket as number;
    if (maxRequestsPerSocket > 0) server.maxRequestsPerSocket = maxRequestsPerSocket;
    return server;
  };
}
