import type { App, RouteContext } from '../route-context.js';
import { registerKycSubmissionRoute } from './kyc-submission-route.js';

/** Resubmission: from `rejected` or `incomplete` only; same body as the first submission. */
export function registerResubmitKyc(app: App, ctx: RouteContext): void {
  registerKycSubmissionRoute(app, ctx, {
    method: 'PUT',
    url: '/api/v1/customer/kyc/update',
    summary: 'Resubmit KYC/KYB after a rejection or an incomplete verification',
    cause: 'resubmission',
  });
}
