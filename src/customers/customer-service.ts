import {
  AppError,
  addFieldError,
  type FieldErrors,
  FieldValidationError,
} from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import { encodeCursor, type ListCursor } from '../lib/cursor.js';
import { isUuid, uuidv7 } from '../lib/ids.js';
import { toTimestamp } from '../lib/timestamps.js';
import { UniqueViolationError } from '../storage/errors.js';
import type {
  CustomerAddress,
  CustomerChanges,
  CustomerFilter,
  CustomerRecord,
  ListPosition,
  ShownCustomerRecord,
} from '../storage/records.js';
import type { Repositories } from '../storage/storage.js';
import { customerEvent, previousAttributes } from './customer-events.js';
import type { CustomerAddressInput, CustomerInput, NewCustomerInput } from './customer-fields.js';
import { normaliseCountry, normalisePhone } from './customer-rules.js';
import { type IdentityDocumentVault, identityDocumentIn } from './identity-documents.js';

export interface CustomerPage {
  customers: ShownCustomerRecord[];
  total: number;
  /** Sort key after the last row, or null when this is the last page. */
  nextCursor: string | null;
}

export const customerNotFound = () => new AppError('customer_not_found', 'Customer not found');

const DUPLICATE_EMAIL_MESSAGE = 'Customer email already exists.';
const duplicateEmail = () =>
  new FieldValidationError({ customer_email: [DUPLICATE_EMAIL_MESSAGE] });

/** Request validation has already checked formats; this turns valid input into stored form. */
function normaliseAddress(address: CustomerAddressInput): CustomerAddress {
  const normalised: CustomerAddress = {};
  for (const key of ['city', 'state', 'zipcode', 'street', 'number'] as const) {
    const value = address[key];
    if (value !== undefined) normalised[key] = value.trim();
  }
  if (address.country !== undefined) normalised.country = normaliseCountry(address.country);
  return normalised;
}

function requireNormalised(value: string | undefined, field: string): string {
  if (value === undefined)
    throw new FieldValidationError({ [field]: [`The ${field} field is invalid.`] });
  return value;
}

/** Customer use cases. Writes take the transaction's repositories from the caller, so the
 * change commits together with whatever else the caller writes (the idempotency record). */
export class CustomerService {
  constructor(
    private readonly clock: Clock,
    private readonly vault: IdentityDocumentVault,
  ) {}

  async create(
    repos: Repositories,
    businessId: string,
    input: NewCustomerInput,
  ): Promise<CustomerRecord> {
    const now = this.clock.now();
    const timestamp = toTimestamp(now);
    const customerId = uuidv7(now.getTime());
    const document = identityDocumentIn(input);
    const customer: CustomerRecord = {
      businessId,
      customerId,
      name: input.customer_name.trim(),
      email: input.customer_email.trim(),
      phone: requireNormalised(normalisePhone(input.customer_phone), 'customer_phone'),
      country: requireNormalised(normaliseCountry(input.customer_country), 'customer_country'),
      address: input.customer_address ? normaliseAddress(input.customer_address) : null,
      type: input.customer_type ?? 'individual',
      status: 'pending',
      kycStatus: 'not_started',
      kycRejectReason: null,
      canCreateVc: 0,
      canCreateVa: 0,
      kycVerifiedDate: null,
      identityDocument: document ? this.vault.seal(businessId, customerId, document) : null,
      createdAt: timestamp,
      updatedAt: timestamp,
    };
    try {
      await repos.customers.insert(customer);
      await repos.events.append(customerEvent('customer.created', customer, now));
    } catch (error) {
      if (error instanceof UniqueViolationError) throw duplicateEmail();
      throw error;
    }
    return customer;
  }

  /**
   * Rejects a request that failed schema validation, adding the duplicate-email error when the
   * email itself is well-formed, so the 422 lists every invalid field at once.
   */
  async rejectInvalid(
    repos: Repositories,
    businessId: string,
    fields: FieldErrors,
    body: unknown,
    exceptCustomerId?: string,
  ): Promise<never> {
    const email = (body as { customer_email?: unknown } | null)?.customer_email;
    if (typeof email === 'string' && fields.customer_email === undefined) {
      if (await repos.customers.isEmailTaken(businessId, email.trim(), exceptCustomerId)) {
        addFieldError(fields, 'customer_email', DUPLICATE_EMAIL_MESSAGE);
      }
    }
    throw new FieldValidationError(fields);
  }

  async retrieve(
    repos: Repositories,
    businessId: string,
    customerId: string,
  ): Promise<CustomerRecord> {
    // A malformed id names no customer: same 404 as an unknown one, without a query.
    if (!isUuid(customerId)) throw customerNotFound();
    const customer = await repos.customers.findLive(businessId, customerId);
    if (!customer) throw customerNotFound();
    return customer;
  }

  /**
   * Changes with every change to any customer of the business: two list pages computed at the
   * same version are the same page.
   */
  listVersion(repos: Repositories, businessId: string): Promise<number> {
    return repos.customers.version(businessId);
  }

  /** A page of the filter's customers, and their total unless the caller already knows it. */
  async list(
    repos: Repositories,
    businessId: string,
    filter: CustomerFilter,
    position: ListPosition,
    knownTotal?: number,
  ): Promise<CustomerPage> {
    // One row more than asked tells whether another page follows, without a second query.
    const [rows, total] = await Promise.all([
      repos.customers.list(businessId, filter, { ...position, limit: position.limit + 1 }),
      knownTotal ?? repos.customers.count(businessId, filter),
    ]);
    const page = rows.slice(0, position.limit);
    const last = page.at(-1);
    const hasMore = rows.length > position.limit && last !== undefined;
    const cursor: ListCursor | undefined = hasMore
      ? {
          exact: last.exact,
          createdAt: last.customer.createdAt,
          customerId: last.customer.customerId,
        }
      : undefined;
    return {
      customers: page.map((row) => row.customer),
      total,
      nextCursor: cursor ? encodeCursor(cursor) : null,
    };
  }

  async update(
    repos: Repositories,
    businessId: string,
    customerId: string,
    input: CustomerInput,
  ): Promise<CustomerRecord> {
    const current = await this.retrieve(repos, businessId, customerId);
    const changes = this.changesFrom(current, input);
    try {
      const updated = await repos.customers.update(businessId, customerId, changes);
      if (!updated) throw customerNotFound();
      const previous = previousAttributes(current, updated);
      await repos.events.append(
        customerEvent('customer.updated', updated, this.clock.now(), previous),
      );
      return updated;
    } catch (error) {
      if (error instanceof UniqueViolationError) throw duplicateEmail();
      throw error;
    }
  }

  async delete(repos: Repositories, businessId: string, customerId: string): Promise<void> {
    const customer = await this.retrieve(repos, businessId, customerId);
    const now = this.clock.now();
    const deleted = await repos.customers.softDelete(businessId, customerId, toTimestamp(now));
    if (!deleted) throw customerNotFound();
    await repos.events.append(customerEvent('customer.deleted', customer, now));
  }

  private changesFrom(current: CustomerRecord, input: CustomerInput): CustomerChanges {
    const changes: CustomerChanges = { updatedAt: toTimestamp(this.clock.now()) };
    if (input.customer_name !== undefined) changes.name = input.customer_name.trim();
    if (input.customer_email !== undefined) changes.email = input.customer_email.trim();
    if (input.customer_phone !== undefined) {
      changes.phone = requireNormalised(normalisePhone(input.customer_phone), 'customer_phone');
    }
    if (input.customer_country !== undefined) {
      changes.country = requireNormalised(
        normaliseCountry(input.customer_country),
        'customer_country',
      );
    }
    if (input.customer_type !== undefined) changes.type = input.customer_type;
    if (input.customer_address === null) changes.address = null;
    else if (input.customer_address !== undefined) {
      changes.address = { ...current.address, ...normaliseAddress(input.customer_address) };
    }
    const document = identityDocumentIn(input);
    if (document) {
      changes.identityDocument = this.vault.merge(
        current.businessId,
        current.customerId,
        current.identityDocument,
        document,
      );
    }
    if (Object.keys(changes).length === 1) {
      throw new FieldValidationError({
        body: ['The request must contain at least one updatable field.'],
      });
    }
    return changes;
  }
}
