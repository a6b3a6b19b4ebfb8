import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { fieldErrorsOf } from '../../http/validation-errors.js';
import { KycSubmissionSchema } from '../../kyc/kyc-fields.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import {
  KYC_SUBMIT_DESCRIPTION,
  KYC_WRITE_BODY_LIMIT,
  KYC_WRITE_ERRORS,
  KycSubmittedSchema,
} from './kyc-schemas.js';

const MESSAGE = 'Request successful';

/** First submission: from `not_started` only (a rejected or incomplete one is resubmitted). */
export function registerSubmitKyc(app: App, ctx: RouteContext): void {
  app.route({
    method: 'POST',
    url: '/api/v1/verification/verify-customer',
    bodyLimit: KYC_WRITE_BODY_LIMIT,
    onRequest: ctx.authenticatedWrite,
    // The handler adds the rules that depend on `type` to the field map before answering 422.
    attachValidation: true,
    schema: {
      summary: 'Submit a customer for KYC/KYB verification',
      description: KYC_SUBMIT_DESCRIPTION,
      tags: ['KYC'],
      security: AUTHENTICATED,
      body: KycSubmissionSchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, KycSubmittedSchema),
        ...KYC_WRITE_ERRORS,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      ctx.kyc.assertValidSubmission(request.body, fieldErrorsOf(request));
      await ctx.idempotency.run(request, reply, async (repos) => {
        const customer = await ctx.kyc.submit(repos, businessId, request.body, 'submission');
        const data = { customer_id: customer.customerId, status: 'under_review' as const };
        return { statusCode: 200, body: success(200, MESSAGE, data) };
      });
    },
  });
}
