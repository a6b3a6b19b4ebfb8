import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../lib/string-enum.js';
import type { ShownCustomerRecord } from '../storage/records.js';
import { CUSTOMER_STATUSES, CUSTOMER_TYPES, KYC_STATUSES } from './customer-fields.js';

/**
 * The customer as clients see it — in API responses and in webhook event payloads alike.
 */
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

export type CustomerView = Static<typeof CustomerSchema>;

/** The customer on the wire (SPEC §3), fields in contract order. Identity documents never appear. */
export function presentCustomer(customer: ShownCustomerRecord): CustomerView {
  return {
    customer_id: customer.customerId,
    customer_name: customer.name,
    customer_email: customer.email,
    customer_phone: customer.phone,
    customer_country: customer.country,
    customer_address: customer.address,
    customer_type: customer.type,
    customer_status: customer.status,
    customer_kyc_status: customer.kycStatus,
    customer_kyc_reject_reason: customer.kycRejectReason,
    can_create_vc: customer.canCreateVc,
    can_create_va: customer.canCreateVa,
    kyc_verified_date: customer.kycVerifiedDate,
    created_at: customer.createdAt,
    updated_at: customer.updatedAt,
  };
}
