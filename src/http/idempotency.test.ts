import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/app-error.js';
import { requireIdempotencyKey } from './idempotency.js';

function requestWith(headers: Record<string, unknown>): FastifyRequest {
  return { headers } as unknown as FastifyRequest;
}

async function rejection(
  headers: Record<string, unknown>,
  request = requestWith(headers),
): Promise<AppError> {
  try {
    await requireIdempotencyKey(request);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`accepted ${JSON.stringify(headers)}`);
}

describe('requireIdempotencyKey', () => {
  it.each([
    ['one character', 'k'],
    ['255 characters', 'k'.repeat(255)],
    [
      'every printable ASCII character',
      Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(''),
    ],
    ['a UUID', '0190a6f4-0000-7000-8000-000000000000'],
  ])('accepts %s and remembers it on the request', async (_label, key) => {
    const request = requestWith({ 'idempotency-key': key });
    await requireIdempotencyKey(request);
    expect(request.idempotencyKey).toBe(key);
  });

  it('calls an absent or empty key missing', async () => {
    for (const headers of [{}, { 'idempotency-key': '' }]) {
      const error = await rejection(headers);
      expect(error.code).toBe('idempotency_key_missing');
      expect(error.message).toBe('Idempotency-Key is required for this request.');
    }
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['a non-ASCII letter', 'clé'],
    ['an emoji', 'key-🔑'],
    ['NUL', 'key\u0000'],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
  ])('refuses %s as invalid', async (_label, key) => {
    const request = requestWith({ 'idempotency-key': key });
    const error = await rejection({}, request);
    expect(error.code).toBe('idempotency_key_invalid');
    expect(request.idempotencyKey).toBeUndefined();
  });

  it('refuses a header that arrived as several values', async () => {
    const error = await rejection({ 'idempotency-key': ['a', 'b'] });
    expect(error.code).toBe('idempotency_key_invalid');
  });
});
