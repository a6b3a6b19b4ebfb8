import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-26-001-initial.js';
import * as outbox from './2026-11-26-002-outbox.js';
import * as webhooks from './2026-11-27-003-webhooks.js';
import * as kyc from './2026-11-27-004-kyc.js';
import * as customerVersions from './2026-11-27-005-customer-versions.js';
import * as customerCountShards from './2026-11-27-006-customer-count-shards.js';
import * as customersLiveCountry from './2026-11-27-007-customers-live-country.js';

/** Every migration, in order. Listed statically so the built package needs no file scanning. */
const migrations: Record<string, Migration> = {
  '2026-11-26-001-initial': initial,
  '2026-11-26-002-outbox': outbox,
  '2026-11-27-003-webhooks': webhooks,
  '2026-11-27-004-kyc': kyc,
  '2026-11-27-005-customer-versions': customerVersions,
  '2026-11-27-006-customer-count-shards': customerCountShards,
  '2026-11-27-007-customers-live-country': customersLiveCountry,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
