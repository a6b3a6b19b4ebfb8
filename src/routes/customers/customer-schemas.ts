import { Type } from '@sinclair/typebox';
import { READ_ONLY_CUSTOMER_FIELDS } from '../../customers/customer-fields.js';
import { ErrorEnvelopeSchema } from '../../http/envelope.js';

export const CustomerIdParamsSchema = Type.Object({
  customer_id: Type.String({ description: 'The customer id (UUID); anything else is a 404' }),
});

/** Options of the create and update bodies: unknown fields are refused, and read-only ones are
 * named so that sending one says "read-only" rather than "not allowed". */
export const CUSTOMER_BODY_OPTIONS = {
  additionalProperties: false,
  'x-read-only': [...READ_ONLY_CUSTOMER_FIELDS],
} as const;

/** Error responses every authenticated customer route can give. */
export const CUSTOMER_ROUTE_ERRORS = {
  401: ErrorEnvelopeSchema,
  404: ErrorEnvelopeSchema,
  429: ErrorEnvelopeSchema,
};

/** Upload size: the two document images (5 MiB decoded each, base64 grows by 4/3) plus the rest
 * of a customer, on the routes that accept them only. */
export const CUSTOMER_WRITE_BODY_LIMIT = 2 * Math.ceil((5 * 1024 * 1024 * 4) / 3) + 1024 * 1024;
