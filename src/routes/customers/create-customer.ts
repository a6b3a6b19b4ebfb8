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
} from './customer-schemas.js';

export const CreateCustomerBodySchema = Type.Object(
  {
    customer_name: WritableCustomerFields.customer_name,
    customer_email: WritableCustomerFields.customer_email,
    customer_phone: WritableCustomerFields.customer_phone,
    customer_country: WritableCustomerFields.customer_country,
    customer_type: Type.Optional(WritableCustomerFields.customer_type),
    customer_address: Type.Optional(WritableCustomerFields.customer_address),
    ...IdentityDocumentFields,
  },
  CUSTOMER_BODY_OPTIONS,
);

const MESSAGE = 'Customer created successfully';

export function registerCreateCustomer(app: App, ctx: RouteContext): void {
  app.route({
    method: 'POST',
    url: '/api/v1/customer',
    bodyLimit: CUSTOMER_WRITE_BODY_LIMIT,
    onRequest: ctx.authenticatedWrite,
    // The handler completes the field map (duplicate email) before answering 422.
    attachValidation: true,
    schema: {
      summary: 'Create a customer',
      description:
        'Requires `Idempotency-Key`. Identity-document fields are stored encrypted and never returned.',
      tags: ['Customers'],
      security: AUTHENTICATED,
      body: CreateCustomerBodySchema,
      response: {
        201: SuccessEnvelopeSchema(201, MESSAGE, CustomerSchema),
        400: ErrorEnvelopeSchema,
        409: ErrorEnvelopeSchema,
        422: ErrorEnvelopeSchema,
        ...CUSTOMER_ROUTE_ERRORS,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      const invalid = fieldErrorsOf(request);
      if (invalid)
        await ctx.customers.rejectInvalid(ctx.storage, businessId, invalid, request.body);
      await ctx.idempotency.run(request, reply, async (repos) => {
        const customer = await ctx.customers.create(repos, businessId, request.body);
        return { statusCode: 201, body: success(201, MESSAGE, presentCustomer(customer)) };
      });
    },
  });
}
