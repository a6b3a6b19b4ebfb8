import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKysely } from './dialect.js';
import { WalFile } from './wal-file.js';

const OPTIONS = { poolSize: 1, statementTimeoutMs: 1000, readCacheRows: 0 };

describe('WalFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-wal-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('syncs the log again and again through one descriptor, and closes it', async () => {
    const path = join(dir, 'db.sqlite-wal');
    writeFileSync(path, 'frames');
    const log = new WalFile(path);
    await log.sync();
    // Still the same file once its name is gone: the descriptor was kept, not reopened.
    rmSync(path);
    await log.sync();
    await log.close();
  });

  it('fails every sync when the log cannot be opened, and still closes', async () => {
    const log = new WalFile(join(dir, 'missing.sqlite-wal'));
    await expect(log.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(log.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    await log.close();
  });

  it('is given to a SQLite file in WAL mode, and to no in-memory database', async () => {
    const onFile = createKysely({ engine: 'sqlite', path: join(dir, 'db.sqlite') }, OPTIONS);
    const inMemory = createKysely({ engine: 'sqlite', path: ':memory:' }, OPTIONS);
    try {
      expect(onFile.engine === 'sqlite' && onFile.log).toBeInstanceOf(WalFile);
      expect(inMemory.engine === 'sqlite' && inMemory.log).toBeUndefined();
    } finally {
      await onFile.db.destroy();
      await inMemory.db.destroy();
    }
  });
});
