import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataCipher } from './encryption.js';

const key = randomBytes(32);
const cipher = new DataCipher(key);
const CONTEXT = 'identity-document:business-1:customer-1';

/** Replaces one base64 character of segment `index` (0 = version, 1 = iv, 2 = tag, 3 = body). */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[index]!, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64');
  return parts.join(':');
}

describe('DataCipher', () => {
  it.each([
    ['text', '{"customer_idNumber":"X1234567"}'],
    ['an empty string', ''],
    ['unicode', 'Zoë Ñandú — 東京 🚀'],
    ['a large value', 'A'.repeat(2 * 1024 * 1024)],
  ])('round-trips %s', (_label, plaintext) => {
    const sealed = cipher.encrypt(plaintext, CONTEXT);
    expect(cipher.decrypt(sealed, CONTEXT)).toBe(plaintext);
  });

  it('produces versioned ciphertext that does not contain the plaintext', () => {
    const plaintext = 'X1234567-UNIQUE';
    const sealed = cipher.encrypt(plaintext, CONTEXT);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
    expect(sealed).not.toContain(plaintext);
    expect(sealed).not.toContain(Buffer.from(plaintext).toString('base64'));
    expect(sealed).not.toContain(CONTEXT);
  });

  it('uses a fresh 96-bit IV every time, so equal plaintexts encrypt differently', () => {
    const seen = new Set<string>();
    const ivs = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const sealed = cipher.encrypt('same', CONTEXT);
      seen.add(sealed);
      const iv = sealed.split(':')[1]!;
      expect(Buffer.from(iv, 'base64')).toHaveLength(12);
      ivs.add(iv);
    }
    expect(seen.size).toBe(200);
    expect(ivs.size).toBe(200);
  });

  it('refuses to decrypt under another context', () => {
    const sealed = cipher.encrypt('secret', CONTEXT);
    for (const other of [
      'identity-document:business-1:customer-2',
      'identity-document:business-2:customer-1',
      `${CONTEXT} `,
      '',
    ]) {
      expect(() => cipher.decrypt(sealed, other), other).toThrow();
    }
  });

  it('refuses to decrypt with another key', () => {
    const sealed = cipher.encrypt('secret', CONTEXT);
    expect(() => new DataCipher(randomBytes(32)).decrypt(sealed, CONTEXT)).toThrow();
  });

  it.each([
    ['the IV', 1],
    ['the tag', 2],
    ['the body', 3],
  ])('detects a change to %s', (_label, index) => {
    const sealed = cipher.encrypt('a secret worth protecting', CONTEXT);
    expect(() => cipher.decrypt(tamper(sealed, index), CONTEXT)).toThrow();
  });

  it('detects a truncated body and a swapped body', () => {
    const sealed = cipher.encrypt('a secret worth protecting', CONTEXT);
    const [version, iv, tag, body] = sealed.split(':');
    const truncated = Buffer.from(body!, 'base64').subarray(0, 5).toString('base64');
    expect(() => cipher.decrypt([version, iv, tag, truncated].join(':'), CONTEXT)).toThrow();
    const otherBody = cipher.encrypt('another secret of same size', CONTEXT).split(':')[3];
    expect(() => cipher.decrypt([version, iv, tag, otherBody].join(':'), CONTEXT)).toThrow();
  });

  it('refuses unknown formats and versions', () => {
    const sealed = cipher.encrypt('secret', CONTEXT);
    for (const bad of [
      sealed.replace(/^v1:/, 'v2:'),
      sealed.split(':').slice(0, 3).join(':'),
      'plaintext',
      '',
      'v1:::',
    ]) {
      expect(() => cipher.decrypt(bad, CONTEXT), bad).toThrow();
    }
  });

  it('requires a 32-byte key', () => {
    for (const length of [0, 16, 31, 33, 64]) {
      expect(() => new DataCipher(randomBytes(length)), String(length)).toThrow();
    }
    expect(() => new DataCipher(Buffer.from(key))).not.toThrow();
  });
});
