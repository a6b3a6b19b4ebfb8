/**
 * Wire and storage format of every timestamp: UTC ISO-8601 with microseconds and `Z`, the way
 * Yativo's Laravel emits them (`2025-04-14T08:45:31.000000Z`). Stored as text in this exact
 * form, so lexical order is time order on both engines.
 */
export function toTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

/** Seconds since the epoch, as JWT claims and rate-limit headers count time. */
export function toEpochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
