import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import type { DataCipher } from '../lib/encryption.js';
import type { Storage } from '../storage/storage.js';
import { type HostResolver, systemResolver } from './address-guard.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookService } from './webhook-service.js';

/** The server's dispatcher, polling on real timers until `stop()`. */
export function startWebhookDispatcher(
  config: Readonly<Config>,
  storage: Storage,
  clock: Clock,
  logger: FastifyBaseLogger,
  cipher: DataCipher,
  resolve: HostResolver = systemResolver,
): WebhookDispatcher {
  const policy = { allowPrivateNetworks: config.webhookAllowPrivateNetworks, resolve };
  const dispatcher = new WebhookDispatcher({
    storage,
    clock,
    logger,
    sender: new WebhookSender(policy),
    webhooks: new WebhookService(clock, cipher, policy),
  });
  dispatcher.start();
  return dispatcher;
}
