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

export interface KycSubmissionRoute {
  method: 'POST' | 'PUT';
  url: string;
  summary: string;
  /** Which states the customer may be in: the KYC service's rule for each. */
  cause: 'submission' | 'resubmission';
}

/**
 * Submission and resubmission are one operation on two routes (SPEC §10): the same body,
 * validation, idempotency and answer; only the states they start from differ.
 */
export function registerKycSubmissionRoute(
  app: App,
  ctx: RouteContext,
  { method, url, summary, cause }: KycSubmissionRoute,
): void {
  app.route({
    method,
    url,
    bodyLimit: KYC_WRITE_BODY_LIMIT,
    onRequest: ctx.authenticatedWrite,
    // The handler adds the rules that depend on `type` to the field map before answering 422.
    attachValidation: true,
    schema: {
      summary,
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
        const customer = await ctx.kyc.submit(repos, businessId, request.body, cause);
        const data = { customer_id: customer.customerId, status: 'under_review' as const };
        return { statusCode: 200, body: success(200, MESSAGE, data) };
      });
    },
  });
}
