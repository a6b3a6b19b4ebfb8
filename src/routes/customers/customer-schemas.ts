import { Type } from '@sinclair/typebox';
import {
  CUSTOMER_STATUSES,
  CUSTOMER_TYPES,
  KYC_STATUSES,
  READ_ONLY_CUSTOMER_FIELDS,
} from '../../customers/customer-fields.js';
import { ErrorEnvelopeSchema } from '../../http/envelope.js';
import { StringEnum } from '../../lib/string-enum.js';

/** Shapes shared by the customer routes. */
const Timestamp = Type.String({ examples: ['2025-04-14T08:45:31.000000Z'] });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const CustomerAddressViewSchema = Type.Object({
  city: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  zipcode: Type.Optional(Type.String()),
  street: Type.Optional(Type.String()),
  number: Type.Optional(Type.String()),
  country: Type.Optional(Type.String()),
});

export const CustomerSchema = Type.Object(
  {
    customer_id: Type.String({ format: 'uuid' }),
    customer_name: Type.String(),
    customer_email: Type.String(),
    customer_phone: Type.String(),
    customer_country: Type.String(),
    customer_address: Type.Union([CustomerAddressViewSchema, Type.Null()]),
    customer_type: StringEnum(CUSTOMER_TYPES),
    customer_status: StringEnum(CUSTOMER_STATUSES),
    customer_kyc_status: StringEnum(KYC_STATUSES),
    customer_kyc_reject_reason: Type.Union([Type.String(), Type.Null()]),
    can_create_vc: Type.Union([Type.Literal(0), Type.Literal(1)]),
    can_create_va: Type.Union([Type.Literal(0), Type.Literal(1)]),
    kyc_verified_date: NullableTimestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Customer', description: 'A customer. Identity documents are never returned.' },
);

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
