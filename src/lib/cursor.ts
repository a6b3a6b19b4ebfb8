/**
 * Opaque keyset cursors: the sort key of the last row of a page, base64url-encoded JSON.
 * Opaque to clients so the ordering can change without breaking the contract.
 */
export interface ListCursor {
  /** 1 when the row was an exact `email` match (listed first), else 0. */
  exact: 0 | 1;
  createdAt: string;
  customerId: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.exact, cursor.createdAt, cursor.customerId])).toString(
    'base64url',
  );
}

/** Returns undefined for anything that is not a cursor this service made. */
export function decodeCursor(value: string): ListCursor | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [exact, createdAt, customerId] = parsed as unknown[];
    // Only the shapes this service writes: anything else (e.g. a NUL, which PostgreSQL refuses
    // as a parameter) must never reach a query.
    if ((exact !== 0 && exact !== 1) || typeof createdAt !== 'string') return undefined;
    if (!TIMESTAMP.test(createdAt)) return undefined;
    if (typeof customerId !== 'string' || !UUID.test(customerId)) return undefined;
    return { exact, createdAt, customerId };
  } catch {
    return undefined;
  }
}
