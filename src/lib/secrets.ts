import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new business secret: 256 random bits, URL-safe. Shown once, stored only as its hash. */
export function generateAppSecret(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

/** A public account id: not secret, but unguessable so it leaks nothing about other tenants. */
export function generateAccountId(): string {
  return `acct_${randomBytes(12).toString('hex')}`;
}

/**
 * Secrets are 256-bit random values, not human passwords, so a slow password hash adds nothing
 * against guessing; SHA-256 keeps every `X-Api-Secret` request cheap.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
