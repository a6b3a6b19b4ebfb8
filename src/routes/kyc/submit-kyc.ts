import type { App, RouteContext } from '../route-context.js';
import { registerKycSubmissionRoute } from './kyc-submission-route.js';

/** First submission: from `not_started` only (a rejected or incomplete one is resubmitted). */
export function registerSubmitKyc(app: App, ctx: RouteContext): void {
  registerKycSubmissionRoute(app, ctx, {
    method: 'POST',
    url: '/api/v1/verification/verify-customer',
    summary: 'Submit a customer for KYC/KYB verification',
    cause: 'submission',
  });
}
