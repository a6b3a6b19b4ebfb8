import type { Static } from '@sinclair/typebox';
import type { CustomerRecord } from '../../storage/records.js';
import type { CustomerSchema } from './customer-schemas.js';

export type CustomerView = Static<typeof CustomerSchema>;

/** The customer on the wire (SPEC §3), fields in contract order. Identity documents never appear. */
export function presentCustomer(customer: CustomerRecord): CustomerView {
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
