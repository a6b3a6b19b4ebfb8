import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import type { DataCipher } from '../lib/encryption.js';
import { KycService } from './kyc-service.js';
import { KycVault } from './kyc-vault.js';
import { createKycProvider } from './providers/index.js';

/** The KYC service on the configured provider; the app and the job runner each build one. */
export function createKycService(
  config: Readonly<Config>,
  clock: Clock,
  cipher: DataCipher,
): KycService {
  return new KycService(clock, new KycVault(cipher), createKycProvider(config));
}
