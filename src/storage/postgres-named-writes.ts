import type pg from 'pg';

/**
 * The write statements that run as named prepared statements on PostgreSQL, which parses,
 * analyses and plans an unnamed statement on every run and a named one once per connection.
 * Under creates, with PostgreSQL on the same machine, that was a fifth of the machine's CPU a
 * create (~1,410 → ~1,190 µs; docs/performance.md).
 *
 * Writes run through Kysely, which sends a text and its values (`client.query(text, values)`);
 * `attach` makes a client of the pool send an added text under its name instead, and every other
 * call as it came. A name is never given to another text: pg refuses that on a connection. Only
 * texts whose result cannot change shape may be added (writes without RETURNING, `select 1`): a
 * prepared statement returning rows fails once a migration changes them, which PostgresReads
 * handles for the reads.
 */
export class NamedWrites {
  private readonly names = new Map<string, string>();

  add(text: string): void {
    if (!this.names.has(text)) this.names.set(text, `write_${this.names.size + 1}`);
  }

  attach(client: pg.ClientBase): void {
    const names = this.names;
    // The class's own method, looked up at each call rather than captured now, so that whatever
    // wraps it later (a test's spy on pg.Client) still sees every query.
    const query = (args: unknown[]) =>
      (Object.getPrototypeOf(client).query as (...args: unknown[]) => unknown).apply(client, args);
    client.query = ((...args: unknown[]) => {
      const [text, values] = args;
      const name =
        args.length === 2 && typeof text === 'string' && Array.isArray(values)
          ? names.get(text)
          : undefined;
      return query(name === undefined ? args : [{ name, text, values }]);
    }) as typeof client.query;
  }
}
