import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What the SQLite group commit needs of the write-ahead log (sqlite-group-commit.ts). */
export interface DurableLog {
  /** Resolves once every commit made before the call is on disk. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A SQLite database's `-wal` file, fsynced from libuv's thread pool rather than inside a COMMIT
 * on the event loop. An fsync makes every written page of the file durable, whichever descriptor
 * asks for it, so one descriptor of our own covers the frames SQLite wrote through its own.
 *
 * The file is opened at the first sync, which follows a commit, so it exists; it then stays open.
 * SQLite deletes the log only when the last connection to the database closes, and every sync
 * follows a commit on the storage's own connection, which is open until `KyselyStorage.close`.
 */
export class WalFile implements DurableLog {
  private handle: Promise<FileHandle> | undefined;

  constructor(private readonly path: string) {}

  async sync(): Promise<void> {
    this.handle ??= openDurably(this.path);
    await (await this.handle).sync();
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    // A handle that never opened has nothing to close; its failure was reported by `sync`.
    await (await handle?.catch(() => undefined))?.close();
  }
}

/**
 * Opens the log and makes its directory entry durable. SQLite syncs the directory of a log it
 * created at its own first fsync of that log, which the group commit's batches never make.
 */
async function openDurably(path: string): Promise<FileHandle> {
  const handle = await open(path, 'r+');
  try {
    const directory = await open(dirname(path), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}
