import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { ErrorEnvelopeSchema, SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import type { KycStatusReport } from '../../kyc/kyc-service.js';
import { CustomerIdParamsSchema } from '../customers/customer-schemas.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { KycStatusValues } from './kyc-schemas.js';

const MESSAGE = 'Request successful';

const HistoryEntrySchema = Type.Object({
  from: KycStatusValues,
  to: KycStatusValues,
  cause: Type.String({
    examples: ['submission', 'resubmission', 'provider_decision', 'operator_decision'],
  }),
  actor: Type.String({ examples: ['business', 'provider:sandbox', 'operator'] }),
  reason: Type.Union([Type.String(), Type.Null()]),
  kyc_requirements_due: Type.Array(Type.String()),
  created_at: Type.String({ examples: ['2025-04-14T08:45:31.000000Z'] }),
});

export const KycStatusSchema = Type.Object({
  customer_id: Type.String({ format: 'uuid' }),
  status: KycStatusValues,
  kyc_rejection_reasons: Type.Array(Type.String()),
  kyc_requirements_due: Type.Array(Type.String()),
  is_va_approved: Type.Boolean(),
  kyc_verified_date: Type.Union([Type.String(), Type.Null()]),
  history: Type.Array(HistoryEntrySchema, { description: 'Every move, oldest first' }),
});

function present({ customer, history, rejectionReasons, requirementsDue }: KycStatusReport) {
  return {
    customer_id: customer.customerId,
    status: customer.kycStatus,
    kyc_rejection_reasons: rejectionReasons,
    kyc_requirements_due: requirementsDue,
    is_va_approved: customer.canCreateVa === 1,
    kyc_verified_date: customer.kycVerifiedDate,
    history: history.map((entry) => ({
      from: entry.from,
      to: entry.to,
      cause: entry.cause,
      actor: entry.actor,
      reason: entry.reasons.length > 0 ? entry.reasons.join(' ') : null,
      kyc_requirements_due: entry.requirementsDue,
      created_at: entry.createdAt,
    })),
  };
}

/** The KYC state of one customer of the caller's business, with its history. */
export function registerRetrieveKycStatus(app: App, ctx: RouteContext): void {
  app.route({
    method: 'GET',
    url: '/api/v1/customer/kyc/:customer_id',
    onRequest: ctx.authenticated,
    schema: {
      summary: "Retrieve a customer's KYC status and history",
      tags: ['KYC'],
      security: AUTHENTICATED,
      params: CustomerIdParamsSchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, KycStatusSchema),
        401: ErrorEnvelopeSchema,
        404: ErrorEnvelopeSchema,
        429: ErrorEnvelopeSchema,
      },
    },
    handler: async (request) => {
      const { businessId } = principalOf(request);
      const report = await ctx.kyc.status(ctx.storage, businessId, request.params.customer_id);
      return success(200, MESSAGE, present(report));
    },
  });
}
