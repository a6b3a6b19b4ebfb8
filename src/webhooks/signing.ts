import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes, as Standard Webhooks expects. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** Yativo's scheme: hex HMAC-SHA256 of the raw body, keyed with the secret string as given. */
export function yativoSignature(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the
 * secret's decoded bytes (the part after `whsec_`). */
export function standardSignature(
  id: string,
  timestampSeconds: number,
  body: string,
  secret: string,
): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const digest = createHmac('sha256', key)
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${digest}`;
}

/**
 * Every signature header of one delivery (SPEC §9). `secrets[0]` is the current secret; a
 * previous one still in its overlap adds a second `webhook-signature` entry, so receivers that
 * have not switched yet keep verifying. Yativo's single-valued headers use the current secret.
 */
export function signatureHeaders(
  eventId: string,
  at: Date,
  body: string,
  secrets: readonly [string, ...string[]],
): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  const hex = yativoSignature(body, secrets[0]);
  return {
    signature: hex,
    'x-yativo-signature': hex,
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets
      .map((secret) => standardSignature(eventId, timestamp, body, secret))
      .join(' '),
  };
}
