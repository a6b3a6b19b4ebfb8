interface Entry<Value> {
  version: number;
  value: Value;
  bytes: number;
}

/**
 * Values (a response body ready to send, a list's total) remembered under a key with the version
 * of the data they were computed from, and given back only for that same version: the caller
 * reads the current version from the database first, so a change committed anywhere (another
 * process, another instance) is never hidden. Bounded by the bytes it holds (keys counted a byte
 * a character, values as `bytesOf` says); when full, the oldest entries go first.
 */
export class VersionedCache<Value> {
  private readonly entries = new Map<string, Entry<Value>>();
  private heldBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly bytesOf: (value: Value) => number,
  ) {}

  get(key: string, version: number): Value | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.version === version) return entry.value;
    if (entry.version < version) this.remove(key, entry);
    return undefined;
  }

  set(key: string, version: number, value: Value): void {
    const bytes = key.length + this.bytesOf(value);
    if (bytes > this.maxBytes) return;
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      // A slow request computed at an older version must not replace a newer entry.
      if (existing.version > version) return;
      this.remove(key, existing);
    }
    this.entries.set(key, { version, value, bytes });
    this.heldBytes += bytes;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.heldBytes <= this.maxBytes) break;
      this.remove(oldestKey, oldest);
    }
  }

  private remove(key: string, entry: Entry<Value>): void {
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
  }
}
