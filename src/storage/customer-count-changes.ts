import { sql } from 'kysely';
import type { TemplateWrites, WriteTemplate } from './statement-templates.js';

/**
 * Changes to business `param(0)`'s customers: the live count moves by `param(2)` (the first row
 * takes `param(1)`, that delta at least 0), the version by `param(3)`, the number of changes.
 */
const recordCustomerChanges: WriteTemplate = (db, param) =>
  db
    .insertInto('customer_counts')
    .values({
      business_id: param<string>(0),
      live_customers: param<number>(1),
      version: param<number>(3),
    })
    .onConflict((oc) =>
      oc.column('business_id').doUpdateSet({
        live_customers: sql<number>`customer_counts.live_customers + ${param<number>(2)}`,
        version: sql<number>`customer_counts.version + ${param<number>(3)}`,
      }),
    );

interface Tally {
  liveDelta: number;
  changes: number;
}

/**
 * The `customer_counts` changes of one transaction, written as its last statements
 * (`KyselyStorage.transaction`). Every change to a customer moves its business's one counts row,
 * and on PostgreSQL that row stays locked from the write to COMMIT: written where the change is
 * made, it held every other write to the business's customers waiting through the rest of the
 * transaction (the outbox event, the idempotency record, each a round trip), and concurrent
 * creates for one business ran one at a time. Written last, the row is held for the commit alone.
 * A transaction therefore does not see its own count changes: nothing reads counts inside one.
 */
export class CustomerCountChanges {
  private readonly byBusiness = new Map<string, Tally>();

  add(businessId: string, liveDelta: number): void {
    const tally = this.byBusiness.get(businessId);
    if (tally === undefined) this.byBusiness.set(businessId, { liveDelta, changes: 1 });
    else {
      tally.liveDelta += liveDelta;
      tally.changes += 1;
    }
  }

  /** Writes every business's changes, then forgets them. */
  async write(writes: TemplateWrites): Promise<void> {
    for (const [businessId, { liveDelta, changes }] of this.byBusiness) {
      await writes.run(recordCustomerChanges, [
        businessId,
        Math.max(liveDelta, 0),
        liveDelta,
        changes,
      ]);
    }
    this.byBusiness.clear();
  }
}
