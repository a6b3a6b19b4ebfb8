import type { Clock } from '../lib/clock.js';
import { uuidv7 } from '../lib/ids.js';
import { generateAccountId, generateAppSecret, hashSecret } from '../lib/secrets.js';
import { toTimestamp } from '../lib/timestamps.js';
import type { BusinessRecord } from '../storage/records.js';
import type { Repositories, Storage } from '../storage/storage.js';

export interface NewBusinessCredentials {
  business: BusinessRecord;
  /** Shown once; only its hash is stored. */
  appSecret: string;
}

export class BusinessNotFoundError extends Error {}

/** Operator-side tenant management: what the CLI does. */
export class BusinessService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  async create(name: string, email: string): Promise<NewBusinessCredentials> {
    const now = toTimestamp(this.clock.now());
    const appSecret = generateAppSecret();
    const business: BusinessRecord = {
      businessId: uuidv7(this.clock.now().getTime()),
      accountId: generateAccountId(),
      name,
      email,
      secretHash: hashSecret(appSecret),
      createdAt: now,
      updatedAt: now,
    };
    await this.storage.businesses.insert(business);
    return { business, appSecret };
  }

  list(): Promise<BusinessRecord[]> {
    return this.storage.businesses.listAll();
  }

  count(): Promise<number> {
    return this.storage.businesses.count();
  }

  async findByAccountId(accountId: string): Promise<BusinessRecord> {
    const business = await this.storage.businesses.findByAccountId(accountId);
    if (!business) throw new BusinessNotFoundError(`No business with account id ${accountId}`);
    return business;
  }

  /**
   * A new secret; the old one stops working at once and every token issued with it is revoked.
   * Run it in a transaction, so no instant exists where the old secret's tokens outlive it.
   */
  async rotateSecret(repos: Repositories, businessId: string): Promise<string> {
    const appSecret = generateAppSecret();
    const now = toTimestamp(this.clock.now());
    await repos.businesses.rotateSecret(businessId, hashSecret(appSecret), now);
    await repos.tokens.revokeAll(businessId, now);
    return appSecret;
  }
}
