interface Entry {
  version: number;
  value: Buffer;
}

/**
 * Bytes (a response body, ready to send) remembered under a key with the version of the data
 * they were computed from, and given back only for that same version: the caller reads the
 * current version from the database first, so a change committed anywhere (another process,
 * another instance) is never hidden. Bounded by the bytes it holds (keys counted a byte a
 * character); when full, the oldest entries go first.
 */
export class VersionedCache {
  private readonly entries = new Map<string, Entry>();
  private heldBytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, version: number): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.version === version) return entry.value;
    if (entry.version < version) this.remove(key, entry);
    return undefined;
  }

  set(key: string, version: number, value: Buffer): void {
    if (key.length + value.length > this.maxBytes) return;
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      // A slow request computed at an older version must not replace a newer entry.
      if (existing.version > version) return;
      this.remove(key, existing);
    }
    this.entries.set(key, { version, value });
    this.heldBytes += key.length + value.length;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.heldBytes <= this.maxBytes) break;
      this.remove(oldestKey, oldest);
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.heldBytes -= key.length + entry.value.length;
  }
}
