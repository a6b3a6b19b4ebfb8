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
    if ((exact !== 0 && exact !== 1) || typeof createdAt !== 'string') return undefined;
    if (typeof customerId !== 'string' || customerId.length > 64) return undefined;
    return { exact, createdAt, customerId };
  } catch {
    return undefined;
  }
}
