import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { ErrorEnvelopeSchema, SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import type { WebhookAttemptRecord } from '../../storage/webhook-delivery-repository.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { WEBHOOK_ROUTE_ERRORS, WebhookIdParamsSchema } from './webhook-schemas.js';

const MESSAGE = 'Records retrieved successfully';

const QuerySchema = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: 1 }),
    per_page: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
);

const NullableString = Type.Union([Type.String(), Type.Null()]);

const AttemptSchema = Type.Object({
  delivery_id: Type.String({ format: 'uuid', description: 'what the retry route takes' }),
  event_id: Type.String({ description: 'the `webhook-id` header; the same on every attempt' }),
  event_type: Type.String(),
  attempt: Type.Integer({ minimum: 1 }),
  attempted_at: Type.String(),
  response_status: Type.Union([Type.Integer(), Type.Null()]),
  error: NullableString,
  next_retry_at: Type.Union([Type.String(), Type.Null()], {
    description: 'null when delivered, or failed for good after 3 days',
  }),
});

const PaginationSchema = Type.Object({
  total: Type.Integer(),
  per_page: Type.Integer(),
  current_page: Type.Integer(),
  last_page: Type.Integer(),
});

function presentAttempt(a: WebhookAttemptRecord) {
  return {
    delivery_id: a.deliveryId,
    event_id: a.eventId,
    event_type: a.eventType,
    attempt: a.attempt,
    attempted_at: a.attemptedAt,
    response_status: a.responseStatus,
    error: a.error,
    next_retry_at: a.nextRetryAt,
  };
}

/** The delivery log: every attempt to this endpoint, newest first. */
export function registerListWebhookDeliveries(app: App, ctx: RouteContext): void {
  app.route({
    method: 'GET',
    url: '/api/v1/business/webhook/:id/deliveries',
    onRequest: ctx.authenticated,
    schema: {
      summary: "A webhook endpoint's delivery attempts",
      tags: ['Webhooks'],
      security: AUTHENTICATED,
      params: WebhookIdParamsSchema,
      querystring: QuerySchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, Type.Array(AttemptSchema), {
          pagination: PaginationSchema,
        }),
        422: ErrorEnvelopeSchema,
        ...WEBHOOK_ROUTE_ERRORS,
      },
    },
    handler: async (request) => {
      const { businessId } = principalOf(request);
      const { page, per_page: perPage } = request.query;
      const { attempts, total } = await ctx.webhooks.listAttempts(
        ctx.storage,
        businessId,
        request.params.id,
        { page, perPage },
      );
      const pagination = {
        total,
        per_page: perPage,
        current_page: page,
        last_page: Math.max(1, Math.ceil(total / perPage)),
      };
      return { ...success(200, MESSAGE, attempts.map(presentAttempt)), pagination };
    },
  });
}
