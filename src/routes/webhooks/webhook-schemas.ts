import { Type } from '@sinclair/typebox';
import { ErrorEnvelopeSchema } from '../../http/envelope.js';
import { StringEnum } from '../../lib/string-enum.js';
import { SUBSCRIBABLE_EVENTS, WebhookEndpointSchema } from '../../webhooks/webhook-events.js';

export const WebhookIdParamsSchema = Type.Object({
  id: Type.String({ description: 'The endpoint id (UUID); anything else is a 404' }),
});

export const WebhookUrlSchema = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'https URL of the receiver; private, loopback and metadata addresses are refused',
  examples: ['https://example.com/webhooks/clientele'],
});

export const WebhookEventsSchema = Type.Array(StringEnum(SUBSCRIBABLE_EVENTS), {
  maxItems: 20,
  description: 'Event types to receive; omitted, empty or `["*"]` = all',
});

/** The endpoint with its secret: only register and regenerate answer this. */
export const WebhookEndpointWithSecretSchema = Type.Composite([
  WebhookEndpointSchema,
  Type.Object({
    secret: Type.String({
      description: '`whsec_` + base64. Shown only here: store it to verify signatures.',
    }),
  }),
]);

/** Error responses every authenticated webhook route can give. */
export const WEBHOOK_ROUTE_ERRORS = {
  401: ErrorEnvelopeSchema,
  404: ErrorEnvelopeSchema,
  429: ErrorEnvelopeSchema,
};

/** Extra errors of the routes that take an Idempotency-Key. */
export const WEBHOOK_WRITE_ERRORS = {
  400: ErrorEnvelopeSchema,
  409: ErrorEnvelopeSchema,
  422: ErrorEnvelopeSchema,
};
