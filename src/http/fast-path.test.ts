import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { type FastPathEnvironment, FastRequest } from './fast-path.js';

const turnEnd = () => new Promise((resolve) => setImmediate(resolve));

function fakeExchange(writeHead: () => void = () => {}) {
  const request = {
    method: 'GET',
    url: '/api/v1/customer',
    headers: {},
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  const response = { writeHead: vi.fn(writeHead), end: vi.fn(), destroy: vi.fn() };
  return { request, response, serverResponse: response as unknown as ServerResponse };
}

function environment(): FastPathEnvironment {
  return {
    log: pino({ level: 'silent' }),
    metrics: { recordResponse: vi.fn() } as unknown as FastPathEnvironment['metrics'],
    draining: () => false,
  };
}

describe('FastRequest.send', () => {
  it('writes the answer at the end of the turn, with the headers every response gets', async () => {
    const { request, response, serverResponse } = fakeExchange();
    const env = environment();
    const fast = new FastRequest(request, serverResponse, '/api/v1/customer', env);

    fast.send({ statusCode: 200, headers: {}, body: '{"ok":true}' });
    expect(response.writeHead).not.toHaveBeenCalled();
    expect(response.end).not.toHaveBeenCalled();

    await turnEnd();
    expect(response.writeHead).toHaveBeenCalledWith(200, {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': fast.id,
      'content-length': '11',
    });
    expect(response.end).toHaveBeenCalledWith('{"ok":true}');
    expect(env.metrics.recordResponse).toHaveBeenCalledWith(
      'GET',
      '/api/v1/customer',
      200,
      expect.any(Number),
    );
  });

  it('abandons an answer that cannot be written, and still writes the others of the turn', async () => {
    const failing = fakeExchange(() => {
      throw new TypeError('Invalid character in header content');
    });
    const next = fakeExchange();
    const env = environment();
    new FastRequest(failing.request, failing.serverResponse, '/r', env).send({
      statusCode: 200,
      headers: {},
      body: '{}',
    });
    new FastRequest(next.request, next.serverResponse, '/r', env).send({
      statusCode: 200,
      headers: {},
      body: '{}',
    });

    await turnEnd();
    expect(failing.response.destroy).toHaveBeenCalledOnce();
    expect(failing.response.end).not.toHaveBeenCalled();
    expect(next.response.end).toHaveBeenCalledWith('{}');
    expect(next.response.destroy).not.toHaveBeenCalled();
  });
});
