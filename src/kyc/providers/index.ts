import type { Config } from '../../config.js';
import type { KycProviderName } from './names.js';
import type { KycProvider } from './provider.js';
import { SandboxProvider } from './sandbox.js';

/** Builds the provider `KYC_PROVIDER` names. A real provider is one file plus one line here
 * (and its name in ./names.ts). */
const FACTORIES: Record<KycProviderName, (config: Readonly<Config>) => KycProvider> = {
  sandbox: (config) => new SandboxProvider(config.kycSandboxDelaySeconds),
};

export function createKycProvider(config: Readonly<Config>): KycProvider {
  return FACTORIES[config.kycProvider](config);
}
