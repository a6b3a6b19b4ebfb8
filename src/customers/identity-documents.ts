import type { DataCipher } from '../lib/encryption.js';
import { type CustomerInput, IDENTITY_DOCUMENT_FIELDS } from './customer-fields.js';

export type IdentityDocument = Partial<
  Pick<CustomerInput, (typeof IDENTITY_DOCUMENT_FIELDS)[number]>
>;

/** The identity-document fields present in an input, or undefined when there are none. */
export function identityDocumentIn(input: CustomerInput): IdentityDocument | undefined {
  const document: IdentityDocument = {};
  for (const field of IDENTITY_DOCUMENT_FIELDS) {
    if (input[field] !== undefined) document[field] = input[field];
  }
  return Object.keys(document).length > 0 ? document : undefined;
}

/**
 * Seals identity documents to the customer they belong to: the ciphertext only opens with the
 * same business and customer id, so a copied column value is useless elsewhere.
 */
export class IdentityDocumentVault {
  constructor(private readonly cipher: DataCipher) {}

  seal(businessId: string, customerId: string, document: IdentityDocument): string {
    return this.cipher.encrypt(JSON.stringify(document), this.context(businessId, customerId));
  }

  open(businessId: string, customerId: string, sealed: string): IdentityDocument {
    return JSON.parse(this.cipher.decrypt(sealed, this.context(businessId, customerId)));
  }

  /** Fields in `changes` replace their stored values; others are kept. */
  merge(
    businessId: string,
    customerId: string,
    sealed: string | null,
    changes: IdentityDocument,
  ): string {
    const current = sealed === null ? {} : this.open(businessId, customerId, sealed);
    return this.seal(businessId, customerId, { ...current, ...changes });
  }

  private context(businessId: string, customerId: string): string {
    return `identity-document:${businessId}:${customerId}`;
  }
}
