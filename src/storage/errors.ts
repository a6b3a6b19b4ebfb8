/** A unique constraint refused a write; `constraint` names what was duplicated when known. */
export class UniqueViolationError extends Error {
  constructor(readonly constraint: string) {
    super(`Unique constraint violated: ${constraint}`);
  }
}

/** The database cannot be reached or did not answer in time; the caller may retry later. */
export class StorageUnavailableError extends Error {
  constructor(cause: unknown) {
    super('Database unavailable', { cause });
  }
}

const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', '23505']);

/** Connection-level failures (network, server shutdown, timeouts, SQLite busy), not bad SQL. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '08000',
  '08001',
  '08003',
  '08006',
  '53300',
]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function constraintName(error: unknown): string {
  const e = error as { constraint?: unknown; message?: unknown };
  if (typeof e.constraint === 'string') return e.constraint;
  return typeof e.message === 'string' ? e.message : 'unknown';
}

const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
];

/** Translates engine errors into the typed errors above; anything else passes through. */
export function translateStorageError(error: unknown): unknown {
  const code = errorCode(error);
  if (code !== undefined && UNIQUE_CODES.has(code))
    return new UniqueViolationError(constraintName(error));
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return new StorageUnavailableError(error);
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && CONNECTION_MESSAGES.some((m) => message.includes(m))) {
    return new StorageUnavailableError(error);
  }
  return error;
}

/** Runs a storage call and rethrows its failure translated. */
export async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateStorageError(error);
  }
}
