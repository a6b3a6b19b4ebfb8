/**
 * Where a database stands: two counters that together move whenever anything in it may have
 * changed. On SQLite, `PRAGMA data_version` (moves when another connection — another process,
 * the operator CLI — commits) and `total_changes()` (moves with every row this connection
 * inserts, updates or deletes, committed or not).
 */
export interface DatabaseMark {
  otherCommits: number;
  ownChanges: number;
}

/** What `get` answers when it has nothing to give back (a kept row may itself be undefined). */
export const NOT_KEPT: unique symbol = Symbol('not kept');

/**
 * Rows of the hottest reads (`SqliteReads.firstCached`), kept while the database keeps the mark
 * it had just before they were read: any write by this process or commit by another moves the
 * mark, and every kept row is then forgotten. The mark must be taken before the read, so a
 * commit between the two only costs a read more (the row is newer than its mark), never serves
 * an old row. Bounded by a number of rows; when full, the oldest go first.
 */
export class ReadCache {
  private readonly rows = new Map<string, unknown>();
  private mark: DatabaseMark = { otherCommits: -1, ownChanges: -1 };

  constructor(private readonly maxRows: number) {}

  get enabled(): boolean {
    return this.maxRows > 0;
  }

  get(key: string, mark: DatabaseMark): unknown {
    this.moveTo(mark);
    return this.rows.has(key) ? this.rows.get(key) : NOT_KEPT;
  }

  set(key: string, mark: DatabaseMark, row: unknown): void {
    this.moveTo(mark);
    this.rows.set(key, row);
    if (this.rows.size > this.maxRows) {
      this.rows.delete(this.rows.keys().next().value as string);
    }
  }

  /** Forgets every row unless the database still has the mark they were read at. */
  private moveTo(mark: DatabaseMark): void {
    if (mark.otherCommits === this.mark.otherCommits && mark.ownChanges === this.mark.ownChanges)
      return;
    this.rows.clear();
    this.mark = mark;
  }
}
