/** The providers `KYC_PROVIDER` may name; kept apart so config.ts loads no provider code. */
export const KYC_PROVIDER_NAMES = ['sandbox'] as const;
export type KycProviderName = (typeof KYC_PROVIDER_NAMES)[number];
