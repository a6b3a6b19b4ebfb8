/**
 * The yardstick: a bare `node:http` server that answers every request with a fixed JSON body.
 * The body size is the request path: `GET /612` answers a 612-byte JSON body (built once, then
 * cached), so one process serves each scenario's same-size reference. Request bodies are read
 * to the end before answering, as any real server must.
 *
 * Env: PORT (required), HOST (default 127.0.0.1). Prints "bare listening on <port>" when ready.
 */
import { createServer } from 'node:http';

/** @type {Map<string, Buffer>} */
const bodies = new Map();

/** A JSON object of exactly `size` bytes: {"data":"xxx…"} (at least 11 bytes). */
function bodyOf(url) {
  let body = bodies.get(url);
  if (body === undefined) {
    const size = Math.max(11, Number.parseInt(url.slice(1), 10) || 11);
    body = Buffer.from(`{"data":"${'x'.repeat(size - 11)}"}`);
    bodies.set(url, body);
  }
  return body;
}

const server = createServer((request, response) => {
  const body = bodyOf(request.url ?? '/');
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    response.end(body);
  });
  request.resume();
});

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1', () => {
  process.stdout.write(`bare listening on ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
