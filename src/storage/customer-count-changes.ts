import { sql } from 'kysely';
import type { TemplateWrites, WriteTemplate } from './statement-templates.js';

/**
 * Changes to business `param(0)`'s customers, on its count row `param(1)`: the live count moves
 * by `param(2)`, the version by `param(3)`, the number of changes.
 */
const recordCustomerChanges: WriteTemplate = (db, param) =>
  db
    .insertInto('customer_count_shards')
    .values({
      business_id: param<string>(0),
      shard: param<number>(1),
      live_customers: param<number>(2),
      version: param<number>(3),
    })
    .onConflict((oc) =>
      oc.columns(['business_id', 'shard']).doUpdateSet({
        live_customers: sql<number>`customer_count_shards.live_customers + ${param<number>(2)}`,
        version: sql<number>`customer_count_shards.version + ${param<number>(3)}`,
      }),
    );

interface Tally {
  liveDelta: number;
  changes: number;
}

/**
 * The customer count changes of one transaction (or of one write outside any), written with its
 * closing writes (`KyselyStorage.transaction`, closing-writes.ts). A business's live count and
 * version are sums over its rows of `customer_count_shards`, and each write lands on one of
 * `shards` rows picked at random. On PostgreSQL the row written stays locked until COMMIT: with
 * one row per business, concurrent creates for one business ran one at a time, each waiting for
 * the others' commits. Written last, a row is held for the commit alone, and with several rows
 * two writers rarely meet. A transaction therefore does not see its own count changes: nothing
 * reads counts inside one.
 */
export class CustomerCountChanges {
  private readonly byBusiness = new Map<string, Tally>();

  /** @param shards rows per business to spread the writes over (1 where writes never wait). */
  constructor(private readonly shards: number) {}

  add(businessId: string, liveDelta: number): void {
    const tally = this.byBusiness.get(businessId);
    if (tally === undefined) this.byBusiness.set(businessId, { liveDelta, changes: 1 });
    else {
      tally.liveDelta += liveDelta;
      tally.changes += 1;
    }
  }

  /** Writes every business's changes (in a transaction, as closing writes), then forgets them. */
  async write(writes: TemplateWrites): Promise<void> {
    for (const [businessId, { liveDelta, changes }] of this.byBusiness) {
      const shard = Math.floor(Math.random() * this.shards);
      await writes.runLast(recordCustomerChanges, [businessId, shard, liveDelta, changes]);
    }
    this.byBusiness.clear();
  }
}
