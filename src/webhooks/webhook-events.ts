import { Type } from '@sinclair/typebox';
import { StringEnum } from '../lib/string-enum.js';
import type { WebhookEndpointRecord } from '../storage/webhook-endpoint-repository.js';

/** Event types an endpoint can subscribe to; `*` is all of them. */
export const SUBSCRIBABLE_EVENTS = [
  '*',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.kyc.approved',
  'customer.kyc.rejected',
] as const;

/** Sent to an endpoint itself when it is registered or updated, whatever it subscribes to. */
export const WEBHOOK_UPDATED = 'webhook_updated';

export const WebhookEndpointSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String(),
    events: Type.Array(StringEnum(SUBSCRIBABLE_EVENTS)),
    enabled: Type.Boolean(),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { $id: 'WebhookEndpoint' },
);
export type WebhookEndpointView = typeof WebhookEndpointSchema.static;

export function presentEndpoint(endpoint: WebhookEndpointRecord): WebhookEndpointView {
  return {
    id: endpoint.endpointId,
    url: endpoint.url,
    events: endpoint.events as WebhookEndpointView['events'],
    enabled: endpoint.enabled,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
  };
}

export function subscribes(endpoint: WebhookEndpointRecord, eventType: string): boolean {
  return endpoint.events.includes('*') || endpoint.events.includes(eventType);
}

/** The delivery body, as Yativo's (a key with a literal dot) plus id and time (SPEC §9). */
export function eventBody(
  eventType: string,
  eventId: string,
  createdAt: string,
  payload: unknown,
): string {
  return JSON.stringify({
    'event.type': eventType,
    event_id: eventId,
    created_at: createdAt,
    payload,
  });
}
