import type { Selectable } from 'kysely';
import type {
  CustomerChanges,
  CustomerRecord,
  CustomerStatus,
  CustomerType,
  KycStatus,
  ShownCustomerRecord,
} from './records.js';
import type { CustomersTable } from './schema.js';

/** Customer records ↔ `customers` rows: the column names and derived columns live here. */
export type CustomerRow = Selectable<CustomersTable>;

/** The columns a customer record is made of (toRecord), in the order reads select them. */
export const RECORD_COLUMNS = [
  'business_id',
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
  'identity_document',
  'created_at',
  'updated_at',
] as const;

export type RecordRow = Pick<CustomerRow, (typeof RECORD_COLUMNS)[number]>;

/** The columns of a shown customer (`ShownCustomerRecord`): all but `identity_document`. */
export const SHOWN_COLUMNS = RECORD_COLUMNS.filter(
  (column): column is Exclude<(typeof RECORD_COLUMNS)[number], 'identity_document'> =>
    column !== 'identity_document',
);

export type ShownRow = Pick<CustomerRow, (typeof SHOWN_COLUMNS)[number]>;

export function toRecord(row: RecordRow): CustomerRecord {
  return { ...toShownRecord(row), identityDocument: row.identity_document };
}

export function toShownRecord(row: ShownRow): ShownCustomerRecord {
  return {
    businessId: row.business_id,
    customerId: row.customer_id,
    name: row.customer_name,
    email: row.customer_email,
    phone: row.customer_phone,
    country: row.customer_country,
    address: row.customer_address === null ? null : JSON.parse(row.customer_address),
    // Only the service writes these columns, always with values of these types.
    type: row.customer_type as CustomerType,
    status: row.customer_status as CustomerStatus,
    kycStatus: row.customer_kyc_status as KycStatus,
    kycRejectReason: row.customer_kyc_reject_reason,
    canCreateVc: Number(row.can_create_vc) === 1 ? 1 : 0,
    canCreateVa: Number(row.can_create_va) === 1 ? 1 : 0,
    kycVerifiedDate: row.kyc_verified_date,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Every column of a customer row, in the order `toRowValues` gives their values. */
export const ROW_COLUMNS = [
  ...RECORD_COLUMNS,
  'email_lower',
  'name_lower',
  'deleted_at',
] as const satisfies readonly (keyof CustomerRow)[];

// Fails to compile when the table gains a column that ROW_COLUMNS does not list.
const everyColumnListed: Exclude<keyof CustomerRow, (typeof ROW_COLUMNS)[number]> extends never
  ? true
  : never = true;
void everyColumnListed;

/** `toRow` as the values of ROW_COLUMNS, for the insert template. */
export function toRowValues(customer: CustomerRecord): unknown[] {
  const row = toRow(customer);
  return ROW_COLUMNS.map((column) => row[column]);
}

export function toRow(customer: CustomerRecord): CustomerRow {
  return {
    business_id: customer.businessId,
    customer_id: customer.customerId,
    customer_name: customer.name,
    customer_email: customer.email,
    email_lower: customer.email.toLowerCase(),
    name_lower: customer.name.toLowerCase(),
    customer_phone: customer.phone,
    customer_country: customer.country,
    customer_address: customer.address === null ? null : JSON.stringify(customer.address),
    customer_type: customer.type,
    customer_status: customer.status,
    customer_kyc_status: customer.kycStatus,
    customer_kyc_reject_reason: customer.kycRejectReason,
    can_create_vc: customer.canCreateVc,
    can_create_va: customer.canCreateVa,
    kyc_verified_date: customer.kycVerifiedDate,
    identity_document: customer.identityDocument,
    created_at: customer.createdAt,
    updated_at: customer.updatedAt,
    deleted_at: null,
  };
}

export function changedColumns(changes: CustomerChanges): Partial<CustomerRow> {
  const columns: Partial<CustomerRow> = { updated_at: changes.updatedAt };
  if (changes.name !== undefined) {
    columns.customer_name = changes.name;
    columns.name_lower = changes.name.toLowerCase();
  }
  if (changes.email !== undefined) {
    columns.customer_email = changes.email;
    columns.email_lower = changes.email.toLowerCase();
  }
  if (changes.phone !== undefined) columns.customer_phone = changes.phone;
  if (changes.country !== undefined) columns.customer_country = changes.country;
  if (changes.address !== undefined) {
    columns.customer_address = changes.address === null ? null : JSON.stringify(changes.address);
  }
  if (changes.type !== undefined) columns.customer_type = changes.type;
  if (changes.identityDocument !== undefined) columns.identity_document = changes.identityDocument;
  return columns;
}
