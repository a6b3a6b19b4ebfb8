import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { CUSTOMER_ROUTE_ERRORS, CustomerIdParamsSchema } from './customer-schemas.js';

const MESSAGE = 'Customer deleted successfully';

const DeletedCustomerSchema = Type.Object({
  message: Type.String({ examples: [MESSAGE] }),
  customer_id: Type.String({ format: 'uuid' }),
});

/** Soft delete: the id answers 404 afterwards and its email may be used again. */
export function registerDeleteCustomer(app: App, ctx: RouteContext): void {
  app.route({
    method: 'DELETE',
    url: '/api/v1/customer/:customer_id',
    onRequest: ctx.authenticated,
    schema: {
      summary: 'Delete a customer',
      tags: ['Customers'],
      security: AUTHENTICATED,
      params: CustomerIdParamsSchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, DeletedCustomerSchema),
        ...CUSTOMER_ROUTE_ERRORS,
      },
    },
    handler: async (request) => {
      const { businessId } = principalOf(request);
      const { customer_id: customerId } = request.params;
      await ctx.storage.transaction((repos) => ctx.customers.delete(repos, businessId, customerId));
      return success(200, MESSAGE, { message: MESSAGE, customer_id: customerId });
    },
  });
}
