import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerRecord } from '../../src/storage/records.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import { customerRecord } from '../helpers/customer-record.js';

const BUSINESS = '0190a6f4-0000-7000-8000-00000000000a';
const NOW = '2026-01-01T00:05:00.000000Z';
const TOKEN = { businessId: BUSINESS, jti: 'j1', now: NOW };

/**
 * The server keeps the rows of its hottest reads (storage/read-cache.ts). Whatever another
 * connection to the file commits — the operator CLI, a second process — and whatever the server
 * writes itself must show on the very next read.
 */
describe('SQLite reads kept in memory', () => {
  let dir: string;
  let server: Storage;
  let other: Storage;
  let stored: CustomerRecord;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-read-cache-'));
    const open = () =>
      openStorage(
        { engine: 'sqlite', path: join(dir, 'db.sqlite') },
        { poolSize: 1, statementTimeoutMs: 5000, readCacheRows: 10_000 },
      );
    server = open();
    await server.migrate();
    other = open();
    stored = customerRecord(BUSINESS, { name: 'Kept Customer' });
    await server.customers.insert(stored);
    await server.tokens.insert({
      businessId: BUSINESS,
      jti: 'j1',
      issuedAt: '2026-01-01T00:00:00.000000Z',
      expiresAt: '2026-01-01T00:10:00.000000Z',
      revokedAt: null,
    });
  });

  afterEach(async () => {
    await server.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const nameRead = async () =>
    (await server.customers.findLiveWithActiveToken(TOKEN, stored.customerId))?.customer?.name;

  it('show a change committed by another connection on the next read', async () => {
    expect(await nameRead()).toBe('Kept Customer');
    expect(await nameRead()).toBe('Kept Customer');
    const version = await server.customers.versionWithActiveToken(TOKEN);
    await other.customers.update(BUSINESS, stored.customerId, {
      name: 'Renamed Elsewhere',
      updatedAt: NOW,
    });
    expect(await nameRead()).toBe('Renamed Elsewhere');
    expect(await server.customers.versionWithActiveToken(TOKEN)).toBe((version ?? 0) + 1);
    await other.customers.softDelete(BUSINESS, stored.customerId, NOW);
    expect(await server.customers.findLiveWithActiveToken(TOKEN, stored.customerId)).toEqual({
      customer: undefined,
    });
  });

  it('refuse a token revoked by another connection on the next request', async () => {
    expect(await server.tokens.isActive(BUSINESS, 'j1', NOW)).toBe(true);
    expect(await nameRead()).toBe('Kept Customer');
    expect(await server.customers.versionWithActiveToken(TOKEN)).toBeGreaterThan(0);
    await other.tokens.revoke(BUSINESS, 'j1', NOW);
    expect(await server.tokens.isActive(BUSINESS, 'j1', NOW)).toBe(false);
    expect(
      await server.customers.findLiveWithActiveToken(TOKEN, stored.customerId),
    ).toBeUndefined();
    expect(await server.customers.versionWithActiveToken(TOKEN)).toBeUndefined();
  });

  it("show the server's own writes, in a transaction or not, on the next read", async () => {
    expect(await nameRead()).toBe('Kept Customer');
    await server.transaction((repos) =>
      repos.customers.update(BUSINESS, stored.customerId, { name: 'Renamed', updatedAt: NOW }),
    );
    expect(await nameRead()).toBe('Renamed');
    await server.customers.update(BUSINESS, stored.customerId, { name: 'Again', updatedAt: NOW });
    expect(await nameRead()).toBe('Again');
    await server.tokens.revokeAll(BUSINESS, NOW);
    expect(await server.tokens.isActive(BUSINESS, 'j1', NOW)).toBe(false);
  });

  it('refuse a kept token once it expires, though nothing in the database changed', async () => {
    expect(await server.tokens.isActive(BUSINESS, 'j1', NOW)).toBe(true);
    expect(await nameRead()).toBe('Kept Customer');
    const expired = '2026-01-01T00:10:00.000000Z';
    expect(await server.tokens.isActive(BUSINESS, 'j1', expired)).toBe(false);
    expect(
      await server.customers.findLiveWithActiveToken({ ...TOKEN, now: expired }, stored.customerId),
    ).toBeUndefined();
    expect(
      await server.customers.versionWithActiveToken({ ...TOKEN, now: expired }),
    ).toBeUndefined();
  });
});
