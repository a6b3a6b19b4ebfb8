import type {
  CUSTOMER_STATUSES,
  CUSTOMER_TYPES,
  KYC_STATUSES,
} from '../customers/customer-fields.js';

/** What the repositories hand to the domain: camelCase, parsed, engine-independent. */
export type CustomerType = (typeof CUSTOMER_TYPES)[number];
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];
export type KycStatus = (typeof KYC_STATUSES)[number];
/** 0 or 1, as Yativo sends `can_create_vc` and `can_create_va`. */
export type Flag = 0 | 1;
export interface CustomerAddress {
  city?: string;
  state?: string;
  zipcode?: string;
  street?: string;
  number?: string;
  country?: string;
}

export interface CustomerRecord {
  businessId: string;
  customerId: string;
  name: string;
  email: string;
  phone: string;
  country: string;
  address: CustomerAddress | null;
  type: CustomerType;
  status: CustomerStatus;
  kycStatus: KycStatus;
  kycRejectReason: string | null;
  canCreateVc: Flag;
  canCreateVa: Flag;
  kycVerifiedDate: string | null;
  /** Sealed identity-document fields; only the customer service may open it. */
  identityDocument: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * A customer as the API shows it: everything but the sealed identity document, which can hold
 * two document images (megabytes) and is never shown. What list pages and the retrieve fast path
 * read, so that they never fetch it.
 */
export type ShownCustomerRecord = Omit<CustomerRecord, 'identityDocument'>;

/** The fields an update may change; absent keys stay as they are. */
export type CustomerChanges = Partial<
  Pick<
    CustomerRecord,
    'name' | 'email' | 'phone' | 'country' | 'address' | 'type' | 'identityDocument'
  >
> & { updatedAt: string };

/** The KYC-derived columns of a customer, written only by the KYC lifecycle. */
export type KycState = Pick<
  CustomerRecord,
  'status' | 'kycStatus' | 'kycRejectReason' | 'canCreateVc' | 'canCreateVa' | 'kycVerifiedDate'
> & { updatedAt: string };

export interface CustomerFilter {
  /** Lower-cased substring of the email; an exact match sorts first. */
  email?: string;
  /** Lower-cased substring of name, email or phone. */
  search?: string;
  country?: string;
  status?: CustomerStatus;
  kycStatus?: KycStatus;
  type?: CustomerType;
  createdFrom?: string;
  createdTo?: string;
}

export interface ListPosition {
  limit: number;
  /** Either an offset (page numbers) or the sort key of the previous page's last row. */
  offset?: number;
  after?: { exact: 0 | 1; createdAt: string; customerId: string };
}

export interface BusinessRecord {
  businessId: string;
  accountId: string;
  name: string;
  email: string;
  secretHash: string;
  createdAt: string;
  updatedAt: string;
}

export interface AccessTokenRecord {
  businessId: string;
  jti: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** An event waiting in the outbox (SPEC §9): written in the same transaction as its change. */
export interface OutboxEventRecord {
  businessId: string;
  eventId: string;
  /** `customer.created`, `customer.updated`, `customer.deleted`, `customer.kyc.approved`, … */
  eventType: string;
  customerId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface IdempotencyRecord {
  businessId: string;
  key: string;
  fingerprint: string;
  responseStatus: number;
  responseBody: string;
  createdAt: string;
  expiresAt: string;
}
