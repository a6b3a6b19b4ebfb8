import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../src/storage/storage.js';
import { storageContract } from './storage-contract.js';

const options = { poolSize: 1, statementTimeoutMs: 5000, readCacheRows: 10_000 };

storageContract('SQLite in memory', {
  open: async () => openStorage({ engine: 'sqlite', path: ':memory:' }, options),
  dispose: async () => {},
});

let dir = '';
storageContract('SQLite file (WAL)', {
  open: async () => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-contract-'));
    return openStorage({ engine: 'sqlite', path: join(dir, 'db.sqlite') }, options);
  },
  dispose: async () => rmSync(dir, { recursive: true, force: true }),
});
