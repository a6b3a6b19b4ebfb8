import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { expect, vi } from 'vitest';
import { DataCipher } from '../../src/lib/encryption.js';
import type { HostResolver } from '../../src/webhooks/address-guard.js';
import type { Random } from '../../src/webhooks/retry-schedule.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import { WebhookSender } from '../../src/webhooks/webhook-sender.js';
import { WebhookService } from '../../src/webhooks/webhook-service.js';
import { idempotencyKey, type TestApp, type TestBusiness } from './test-app.js';
import { assertLoopback, fixedResolver, type ReceivedWebhook } from './webhook-receiver.js';

export interface DispatcherOptions {
  timeoutMs?: number;
  resolve?: HostResolver;
  allowPrivateNetworks?: boolean;
  random?: Random;
}

/** A dispatcher on the test app's storage and fake clock; drive it with `runOnce()`. It can
 * only ever connect to loopback (see assertLoopback). */
export function createDispatcher(t: TestApp, options: DispatcherOptions = {}): WebhookDispatcher {
  const policy = {
    allowPrivateNetworks: options.allowPrivateNetworks ?? true,
    resolve: options.resolve ?? fixedResolver({}),
  };
  return new WebhookDispatcher({
    storage: t.storage,
    clock: t.clock,
    logger: t.app.log,
    random: options.random ?? (() => 0.5),
    sender: new WebhookSender({
      ...policy,
      timeoutMs: options.timeoutMs,
      beforeConnect: assertLoopback,
    }),
    webhooks: new WebhookService(t.clock, new DataCipher(t.secrets.dataEncryptionKey), policy),
  });
}

/** Registers an endpoint through the API; returns its wire object (with the secret). */
export async function registerWebhook(
  t: TestApp,
  business: TestBusiness,
  body: Record<string, unknown>,
): Promise<{ id: string; secret: string; url: string; events: string[] }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/business/webhook',
    headers: { ...business.auth, 'idempotency-key': idempotencyKey() },
    payload: body,
  });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.body}`);
  return response.json().data;
}

/** Verifies Yativo's hex HMAC independently of the code under test. */
export function yativoSignatureValid(request: ReceivedWebhook, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(request.body).digest('hex');
  return (
    request.headers.signature === expected && request.headers['x-yativo-signature'] === expected
  );
}

/**
 * Verifies the Standard Webhooks signature with the `standardwebhooks` library. The library
 * rejects timestamps 5 min away from its "now": pass the fake clock's time when it has moved.
 */
export function standardSignatureValid(
  request: ReceivedWebhook,
  secret: string,
  now?: Date,
): boolean {
  if (now) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now);
  }
  try {
    new Webhook(secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  } finally {
    if (now) vi.useRealTimers();
  }
}

export function expectSignedWith(request: ReceivedWebhook, secret: string, now?: Date): void {
  expect(yativoSignatureValid(request, secret), 'Yativo hex HMAC').toBe(true);
  expect(standardSignatureValid(request, secret, now), 'Standard Webhooks signature').toBe(true);
}
