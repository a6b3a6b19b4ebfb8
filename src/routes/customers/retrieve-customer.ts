import { CustomerSchema, presentCustomer } from '../../customers/customer-view.js';
import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { CUSTOMER_ROUTE_ERRORS, CustomerIdParamsSchema } from './customer-schemas.js';

export const RETRIEVED_MESSAGE = 'Request successful';
export const RetrievedCustomerSchema = SuccessEnvelopeSchema(
  200,
  RETRIEVED_MESSAGE,
  CustomerSchema,
);

/**
 * The seed's endpoint: one customer of the caller's business, as an object. Over HTTP, most of its
 * requests are answered before Fastify by `retrieve-customer-fast-path.ts`, with the same bytes.
 */
export function registerRetrieveCustomer(app: App, ctx: RouteContext): void {
  app.route({
    method: 'GET',
    url: '/api/v1/customer/:customer_id',
    onRequest: ctx.authenticated,
    schema: {
      summary: 'Retrieve a customer',
      description:
        "Unknown, malformed, deleted and other businesses' ids all answer the same 404 `customer_not_found`.",
      tags: ['Customers'],
      security: AUTHENTICATED,
      params: CustomerIdParamsSchema,
      response: {
        200: RetrievedCustomerSchema,
        ...CUSTOMER_ROUTE_ERRORS,
      },
    },
    handler: async (request) => {
      const { businessId } = principalOf(request);
      const customer = await ctx.customers.retrieve(
        ctx.storage,
        businessId,
        request.params.customer_id,
      );
      return success(200, RETRIEVED_MESSAGE, presentCustomer(customer));
    },
  });
}
