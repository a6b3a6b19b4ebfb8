import type { Kysely, Selectable } from 'kysely';
import { translated } from './errors.js';
import type { DatabaseSchema, WebhookEndpointsTable } from './schema.js';

/** A registered endpoint. `secret` and `previousSecret` are sealed (DataCipher ciphertext). */
export interface WebhookEndpointRecord {
  businessId: string;
  endpointId: string;
  url: string;
  /** Subscribed event types; `['*']` is every event. */
  events: string[];
  enabled: boolean;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Webhook endpoints; every method is scoped to one business. */
export interface WebhookEndpointRepository {
  insert(endpoint: WebhookEndpointRecord): Promise<void>;
  /** Replaces the stored row of `endpoint` (same business and id). */
  save(endpoint: WebhookEndpointRecord): Promise<void>;
  find(businessId: string, endpointId: string): Promise<WebhookEndpointRecord | undefined>;
  findByUrl(businessId: string, url: string): Promise<WebhookEndpointRecord | undefined>;
  /** The business's endpoints, oldest first. */
  list(businessId: string): Promise<WebhookEndpointRecord[]>;
  /** False when there was no such endpoint. */
  delete(businessId: string, endpointId: string): Promise<boolean>;
}

function toRecord(row: Selectable<WebhookEndpointsTable>): WebhookEndpointRecord {
  return {
    businessId: row.business_id,
    endpointId: row.endpoint_id,
    url: row.url,
    events: JSON.parse(row.events),
    enabled: row.enabled === 1,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(endpoint: WebhookEndpointRecord): WebhookEndpointsTable {
  return {
    business_id: endpoint.businessId,
    endpoint_id: endpoint.endpointId,
    url: endpoint.url,
    events: JSON.stringify(endpoint.events),
    enabled: endpoint.enabled ? 1 : 0,
    secret: endpoint.secret,
    previous_secret: endpoint.previousSecret,
    previous_secret_expires_at: endpoint.previousSecretExpiresAt,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
  };
}

export class KyselyWebhookEndpointRepository implements WebhookEndpointRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  insert(endpoint: WebhookEndpointRecord): Promise<void> {
    return translated(async () => {
      await this.db.insertInto('webhook_endpoints').values(toRow(endpoint)).execute();
    });
  }

  save(endpoint: WebhookEndpointRecord): Promise<void> {
    return translated(async () => {
      const { business_id, endpoint_id, ...columns } = toRow(endpoint);
      await this.db
        .updateTable('webhook_endpoints')
        .set(columns)
        .where('business_id', '=', business_id)
        .where('endpoint_id', '=', endpoint_id)
        .execute();
    });
  }

  find(businessId: string, endpointId: string): Promise<WebhookEndpointRecord | undefined> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('endpoint_id', '=', endpointId)
        .executeTakeFirst();
      return row && toRecord(row);
    });
  }

  findByUrl(businessId: string, url: string): Promise<WebhookEndpointRecord | undefined> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('url', '=', url)
        .executeTakeFirst();
      return row && toRecord(row);
    });
  }

  list(businessId: string): Promise<WebhookEndpointRecord[]> {
    return translated(async () => {
      const rows = await this.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('business_id', '=', businessId)
        .orderBy('created_at')
        .orderBy('endpoint_id')
        .execute();
      return rows.map(toRecord);
    });
  }

  delete(businessId: string, endpointId: string): Promise<boolean> {
    return translated(async () => {
      const result = await this.db
        .deleteFrom('webhook_endpoints')
        .where('business_id', '=', businessId)
        .where('endpoint_id', '=', endpointId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}
