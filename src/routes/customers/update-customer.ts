import { Type } from '@sinclair/typebox';
import { IdentityDocumentFields, WritableCustomerFields } from '../../customers/customer-fields.js';
import { CustomerSchema, presentCustomer } from '../../customers/customer-view.js';
import { principalOf } from '../../http/authenticate.js';
import { ErrorEnvelopeSchema, SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { fieldErrorsOf } from '../../http/validation-errors.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import {
  CUSTOMER_BODY_OPTIONS,
  CUSTOMER_ROUTE_ERRORS,
  CUSTOMER_WRITE_BODY_LIMIT,
  CustomerIdParamsSchema,
} from './customer-schemas.js';

/** Partial update: absent fields stay; `customer_address: null` clears; address fields merge. */
export const UpdateCustomerBodySchema = Type.Object(
  {
    customer_name: Type.Optional(WritableCustomerFields.customer_name),
    customer_email: Type.Optional(WritableCustomerFields.customer_email),
    customer_phone: Type.Optional(WritableCustomerFields.customer_phone),
    customer_country: Type.Optional(WritableCustomerFields.customer_country),
    customer_type: Type.Optional(WritableCustomerFields.customer_type),
    customer_address: Type.Optional(WritableCustomerFields.customer_address),
    ...IdentityDocumentFields,
  },
  CUSTOMER_BODY_OPTIONS,
);

const MESSAGE = 'Customer updated successfully';

export function registerUpdateCustomer(app: App, ctx: RouteContext): void {
  app.route({
    method: ['PUT', 'PATCH'],
    url: '/api/v1/customer/:customer_id',
    bodyLimit: CUSTOMER_WRITE_BODY_LIMIT,
    onRequest: ctx.authenticatedWrite,
    // The handler completes the field map (duplicate email) before answering 422.
    attachValidation: true,
    schema: {
      summary: 'Update a customer',
      description: 'PUT and PATCH both update partially. Requires `Idempotency-Key`.',
      tags: ['Customers'],
      security: AUTHENTICATED,
      params: CustomerIdParamsSchema,
      body: UpdateCustomerBodySchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, CustomerSchema),
        400: ErrorEnvelopeSchema,
        409: ErrorEnvelopeSchema,
        422: ErrorEnvelopeSchema,
        ...CUSTOMER_ROUTE_ERRORS,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      const { customer_id: customerId } = request.params;
      const invalid = fieldErrorsOf(request);
      if (invalid)
        await ctx.customers.rejectInvalid(
          ctx.storage,
          businessId,
          invalid,
          request.body,
          customerId,
        );
      await ctx.idempotency.run(request, reply, async (repos) => {
        const customer = await ctx.customers.update(
          repos,
          businessId,
          customerId,
          request.body ?? {},
        );
        return { statusCode: 200, body: success(200, MESSAGE, presentCustomer(customer)) };
      });
    },
  });
}
