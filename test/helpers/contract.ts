/**
 * The customer object's fields in contract order (SPEC §3), written out here independently of
 * src/ so that tests comparing against it can catch a change in the implementation.
 */
export const CUSTOMER_FIELDS_IN_ORDER = [
  'customer_id',
  'customer_name',
  'customer_email',
  'customer_phone',
  'customer_country',
  'customer_address',
  'customer_type',
  'customer_status',
  'customer_kyc_status',
  'customer_kyc_reject_reason',
  'can_create_vc',
  'can_create_va',
  'kyc_verified_date',
  'created_at',
  'updated_at',
] as const;
