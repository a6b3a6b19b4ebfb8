import type { DataCipher } from '../lib/encryption.js';
import type { KycSubmissionInput } from './kyc-fields.js';

/**
 * Seals a KYC submission (names, birth date, id numbers, documents) to the one submission row it
 * belongs to: the ciphertext opens only with the same business, customer and submission id.
 */
export class KycVault {
  constructor(private readonly cipher: DataCipher) {}

  seal(businessId: string, customerId: string, submissionId: string, input: KycSubmissionInput) {
    return this.cipher.encrypt(
      JSON.stringify(input),
      this.context(businessId, customerId, submissionId),
    );
  }

  open(
    businessId: string,
    customerId: string,
    submissionId: string,
    sealed: string,
  ): KycSubmissionInput {
    return JSON.parse(
      this.cipher.decrypt(sealed, this.context(businessId, customerId, submissionId)),
    );
  }

  private context(businessId: string, customerId: string, submissionId: string): string {
    return `kyc-submission:${businessId}:${customerId}:${submissionId}`;
  }
}
