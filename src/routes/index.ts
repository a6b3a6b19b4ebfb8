import { registerGenerateSecret } from './auth/generate-secret.js';
import { registerLogin } from './auth/login.js';
import { registerLogout } from './auth/logout.js';
import { registerRefreshToken } from './auth/refresh-token.js';
import { registerCreateCustomer } from './customers/create-customer.js';
import { registerDeleteCustomer } from './customers/delete-customer.js';
import { registerListCustomers } from './customers/list-customers.js';
import { registerRetrieveCustomer } from './customers/retrieve-customer.js';
import { registerUpdateCustomer } from './customers/update-customer.js';
import { registerResubmitKyc } from './kyc/resubmit-kyc.js';
import { registerRetrieveKycStatus } from './kyc/retrieve-kyc-status.js';
import { registerSubmitKyc } from './kyc/submit-kyc.js';
import { registerHealth, registerReadiness } from './ops/health.js';
import { registerMetricsRoute } from './ops/metrics.js';
import { registerOpenApi } from './ops/openapi.js';
import type { App, RouteContext } from './route-context.js';
import { registerDeleteWebhook } from './webhooks/delete-webhook.js';
import { registerListWebhookDeliveries } from './webhooks/list-webhook-deliveries.js';
import { registerListWebhooks } from './webhooks/list-webhooks.js';
import { registerRegenerateWebhookSecret } from './webhooks/regenerate-webhook-secret.js';
import { registerRegisterWebhook } from './webhooks/register-webhook.js';
import { registerRetryWebhookDelivery } from './webhooks/retry-webhook-delivery.js';
import { registerUpdateWebhook } from './webhooks/update-webhook.js';

/** The route table: one line per operation. */
export function registerRoutes(app: App, ctx: RouteContext): void {
  registerLogin(app, ctx); //               POST   /api/v1/auth/login
  registerRefreshToken(app, ctx); //        GET    /api/v1/auth/refresh-token
  registerLogout(app, ctx); //              POST   /api/v1/auth/logout
  registerGenerateSecret(app, ctx); //      POST   /api/v1/generate-secret
  registerCreateCustomer(app, ctx); //      POST   /api/v1/customer
  registerListCustomers(app, ctx); //       GET    /api/v1/customer
  registerRetrieveCustomer(app, ctx); //    GET    /api/v1/customer/:customer_id
  registerUpdateCustomer(app, ctx); //      PUT    /api/v1/customer/:customer_id (and PATCH)
  registerDeleteCustomer(app, ctx); //      DELETE /api/v1/customer/:customer_id
  registerRegisterWebhook(app, ctx); //     POST   /api/v1/business/webhook
  registerListWebhooks(app, ctx); //        GET    /api/v1/business/webhook
  registerUpdateWebhook(app, ctx); //       PUT    /api/v1/business/webhook/:id
  registerDeleteWebhook(app, ctx); //       DELETE /api/v1/business/webhook/:id
  registerRegenerateWebhookSecret(app, ctx); // POST /api/v1/business/webhook/:id/regenerate-secret
  registerListWebhookDeliveries(app, ctx); // GET  /api/v1/business/webhook/:id/deliveries
  registerRetryWebhookDelivery(app, ctx); // POST  /api/v1/business/webhook/:id/deliveries/:delivery_id/retry
  registerSubmitKyc(app, ctx); //           POST   /api/v1/verification/verify-customer
  registerResubmitKyc(app, ctx); //         PUT    /api/v1/customer/kyc/update
  registerRetrieveKycStatus(app, ctx); //   GET    /api/v1/customer/kyc/:customer_id
  registerHealth(app); //                   GET    /healthz
  registerReadiness(app, ctx); //           GET    /readyz
  registerOpenApi(app); //                  GET    /api/v1/openapi.json
  registerMetricsRoute(app, ctx.metrics); // GET    /metrics
}
