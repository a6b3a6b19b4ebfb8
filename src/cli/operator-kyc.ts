import type { Config } from '../config.js';
import { createKycService } from '../kyc/create-kyc-service.js';
import type { KycService } from '../kyc/kyc-service.js';
import { systemClock } from '../lib/clock.js';
import { DataCipher } from '../lib/encryption.js';
import type { CustomerRecord } from '../storage/records.js';
import type { Repositories } from '../storage/storage.js';
import { resolveSecrets } from './local-secrets.js';
import { openMigratedStorage } from './open-storage.js';

/** Runs one operator change in one transaction (its history and events commit with it). */
export async function withKycService<T>(
  config: Readonly<Config>,
  work: (kyc: KycService, repos: Repositories) => Promise<T>,
): Promise<T> {
  const storage = await openMigratedStorage(config);
  try {
    const cipher = new DataCipher(resolveSecrets(config).dataEncryptionKey);
    const kyc = createKycService(config, systemClock, cipher);
    return await storage.transaction((repos) => work(kyc, repos));
  } finally {
    await storage.close();
  }
}

/** What the operator commands print: the customer's KYC-derived fields. */
export function kycSummary(customer: CustomerRecord) {
  return {
    customer_id: customer.customerId,
    customer_status: customer.status,
    customer_kyc_status: customer.kycStatus,
    customer_kyc_reject_reason: customer.kycRejectReason,
    can_create_vc: customer.canCreateVc,
    can_create_va: customer.canCreateVa,
    kyc_verified_date: customer.kycVerifiedDate,
  };
}

export function printSummary(json: boolean, customer: CustomerRecord, note = ''): void {
  const summary = kycSummary(customer);
  const text = Object.entries(summary)
    .map(([key, value]) => `${key}: ${value ?? 'null'}`)
    .join('\n');
  process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${note}${text}\n`);
}
