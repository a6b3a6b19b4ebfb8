import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/**
 * Over HTTP some requests are answered by a fast path (src/http/fast-path.ts), which `app.inject`
 * never reaches: inject calls Fastify's handler, not the server's request event. These helpers ask
 * the same request both ways, so a test can hold the two answers to the same bytes.
 */

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ between any two requests, or that only a real connection has. */
const PER_CONNECTION = ['date', 'connection', 'keep-alive', 'x-ratelimit-remaining'];

export const REQUEST_ID = 'both-ways-test-1';

export interface BothWays {
  overHttp(path: string, headers: Record<string, string>, method?: string): Promise<Answer>;
  injected(path: string, headers: Record<string, string>, method?: string): Promise<Answer>;
  /** Asks over HTTP, then through inject; returns the HTTP answer once the two agree. */
  same(path: string, headers: Record<string, string>, method?: string): Promise<Answer>;
}

/** What of an answer must be equal both ways. */
export function comparable({ status, headers, body }: Answer) {
  return {
    status,
    body,
    headers: Object.fromEntries(
      Object.entries(headers).filter(([name]) => !PER_CONNECTION.includes(name)),
    ),
  };
}

/** Starts `t`'s server on a free loopback port. */
export async function bothWays(t: TestApp): Promise<BothWays> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;

  const overHttp = async (path: string, headers: Record<string, string>, method = 'GET') => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'x-request-id': REQUEST_ID, ...headers },
    });
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
    };
  };

  const injected = async (path: string, headers: Record<string, string>, method = 'GET') => {
    const response = await t.app.inject({
      method: method as 'GET',
      url: path,
      headers: { 'x-request-id': REQUEST_ID, ...headers },
    });
    return {
      status: response.statusCode,
      headers: Object.fromEntries(
        Object.entries(response.headers).map(([name, value]) => [name, String(value)]),
      ),
      body: response.body,
    };
  };

  const same = async (path: string, headers: Record<string, string>, method = 'GET') => {
    const viaHttp = await overHttp(path, headers, method);
    const viaInject = await injected(path, headers, method);
    expect(comparable(viaHttp)).toEqual(comparable(viaInject));
    const remaining = (answer: Answer) => answer.headers['x-ratelimit-remaining'];
    if (remaining(viaHttp) !== undefined) {
      // Each of the two spent one request of the business's budget.
      expect(Number(remaining(viaInject))).toBe(Number(remaining(viaHttp)) - 1);
    } else {
      expect(remaining(viaInject)).toBeUndefined();
    }
    return viaHttp;
  };

  return { overHttp, injected, same };
}
